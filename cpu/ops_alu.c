/* ALU instructions: ADD OR ADC SBB AND SUB XOR CMP in all their forms (opcodes 00-3D and
 * group 1, 80-83), TEST, INC, DEC, NOT, NEG (Intel 386 manual 17.2.2.11).
 *
 * Memory destinations are written before the flags change: if the write faults (a
 * copy-on-write page), the exception handler and the restarted instruction see the flags
 * as they were. */
#include "cpu/alu.h"
#include "cpu/ops.h"

#define ALU_FORMS(name, n)                                                          \
    void op_##name##_Eb_Gb(struct cpu *c, struct insn *i)                           \
    {                                                                               \
        struct cpu_lazyflags lf;                                                    \
        decode_modrm(c, i);                                                         \
        uint32_t r = alu(c, n, 0, get_Eb(c, i), get_r8(c, i->reg), &lf);            \
        if (n != 7)                                                                 \
            set_Eb(c, i, (uint8_t)r);                                               \
        c->lf = lf;                                                                 \
    }                                                                               \
    void op_##name##_Ev_Gv(struct cpu *c, struct insn *i)                           \
    {                                                                               \
        struct cpu_lazyflags lf;                                                    \
        if (likely(i->op32 && i->p < i->end && *i->p >= 0xC0)) {                    \
            /* 32-bit register form: the ModRM byte is read as fetch8 would */      \
            uint8_t m = *i->p++;                                                    \
            c->eip++;                                                               \
            uint32_t r = alu(c, n, 2, c->gpr[m & 7], c->gpr[(m >> 3) & 7], &lf);    \
            if (n != 7)                                                             \
                c->gpr[m & 7] = r;                                                  \
            c->lf = lf;                                                             \
            return;                                                                 \
        }                                                                           \
        decode_modrm(c, i);                                                         \
        uint32_t r = alu(c, n, v_sz(i), get_Ev(c, i), get_rv(c, i, i->reg), &lf);   \
        if (n != 7)                                                                 \
            set_Ev(c, i, r);                                                        \
        c->lf = lf;                                                                 \
    }                                                                               \
    void op_##name##_Gb_Eb(struct cpu *c, struct insn *i)                           \
    {                                                                               \
        struct cpu_lazyflags lf;                                                    \
        decode_modrm(c, i);                                                         \
        uint32_t r = alu(c, n, 0, get_r8(c, i->reg), get_Eb(c, i), &lf);            \
        if (n != 7)                                                                 \
            set_r8(c, i->reg, (uint8_t)r);                                          \
        c->lf = lf;                                                                 \
    }                                                                               \
    void op_##name##_Gv_Ev(struct cpu *c, struct insn *i)                           \
    {                                                                               \
        struct cpu_lazyflags lf;                                                    \
        if (likely(i->op32 && i->p < i->end && *i->p >= 0xC0)) {                    \
            uint8_t m = *i->p++;                                                    \
            c->eip++;                                                               \
            uint32_t r = alu(c, n, 2, c->gpr[(m >> 3) & 7], c->gpr[m & 7], &lf);    \
            if (n != 7)                                                             \
                c->gpr[(m >> 3) & 7] = r;                                           \
            c->lf = lf;                                                             \
            return;                                                                 \
        }                                                                           \
        decode_modrm(c, i);                                                         \
        uint32_t r = alu(c, n, v_sz(i), get_rv(c, i, i->reg), get_Ev(c, i), &lf);   \
        if (n != 7)                                                                 \
            set_rv(c, i, i->reg, r);                                                \
        c->lf = lf;                                                                 \
    }                                                                               \
    void op_##name##_AL_Ib(struct cpu *c, struct insn *i)                           \
    {                                                                               \
        struct cpu_lazyflags lf;                                                    \
        uint8_t imm = fetch8(c, i);                                                 \
        uint32_t r = alu(c, n, 0, (uint8_t)c->gpr[R_EAX], imm, &lf);                \
        if (n != 7)                                                                 \
            set_r8(c, 0, (uint8_t)r);                                               \
        c->lf = lf;                                                                 \
    }                                                                               \
    void op_##name##_eAX_Iv(struct cpu *c, struct insn *i)                          \
    {                                                                               \
        struct cpu_lazyflags lf;                                                    \
        uint32_t imm = fetch_iv(c, i);                                              \
        uint32_t r = alu(c, n, v_sz(i), get_rv(c, i, R_EAX), imm, &lf);             \
        if (n != 7)                                                                 \
            set_rv(c, i, R_EAX, r);                                                 \
        c->lf = lf;                                                                 \
    }

ALU_FORMS(add, 0)
ALU_FORMS(or, 1)
ALU_FORMS(adc, 2)
ALU_FORMS(sbb, 3)
ALU_FORMS(and, 4)
ALU_FORMS(sub, 5)
ALU_FORMS(xor, 6)
ALU_FORMS(cmp, 7)

/* Group 1: 80 Eb,Ib (82 is the same on the 386), 81 Ev,Iv, 83 Ev,Ib sign-extended. The
 * immediate follows the ModRM bytes and is fetched before any data access. */
void op_grp1_Eb_Ib(struct cpu *c, struct insn *i)
{
    struct cpu_lazyflags lf;
    decode_modrm(c, i);
    uint8_t imm = fetch8(c, i);
    uint32_t r = alu(c, i->reg, 0, get_Eb(c, i), imm, &lf);
    if (i->reg != 7)
        set_Eb(c, i, (uint8_t)r);
    c->lf = lf;
}

void op_grp1_Ev_Iv(struct cpu *c, struct insn *i)
{
    struct cpu_lazyflags lf;
    decode_modrm(c, i);
    uint32_t imm = fetch_iv(c, i);
    uint32_t r = alu(c, i->reg, v_sz(i), get_Ev(c, i), imm, &lf);
    if (i->reg != 7)
        set_Ev(c, i, r);
    c->lf = lf;
}

void op_grp1_Ev_Ib(struct cpu *c, struct insn *i)
{
    struct cpu_lazyflags lf;
    if (likely(i->op32 && i->end - i->p >= 2 && i->p[0] >= 0xC0)) {
        /* 32-bit register form: ModRM and imm8 read as the two fetch8 calls would */
        uint8_t m = i->p[0];
        uint32_t imm = (uint32_t)(int32_t)(int8_t)i->p[1];
        i->p += 2;
        c->eip += 2;
        unsigned op = (m >> 3) & 7;
        uint32_t r = alu(c, op, 2, c->gpr[m & 7], imm, &lf);
        if (op != 7)
            c->gpr[m & 7] = r;
        c->lf = lf;
        return;
    }
    decode_modrm(c, i);
    uint32_t imm = (uint32_t)(int32_t)(int8_t)fetch8(c, i);
    if (!i->op32)
        imm &= 0xFFFF;
    uint32_t r = alu(c, i->reg, v_sz(i), get_Ev(c, i), imm, &lf);
    if (i->reg != 7)
        set_Ev(c, i, r);
    c->lf = lf;
}

/* TEST: AND without storing. */
void op_test_Eb_Gb(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    uint32_t r = get_Eb(c, i) & get_r8(c, i->reg);
    flags_set(c, LF_LOGIC, 0, r, 0, r);
}
void op_test_Ev_Gv(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    uint32_t r = get_Ev(c, i) & get_rv(c, i, i->reg);
    flags_set(c, LF_LOGIC, v_sz(i), r, 0, r);
}
void op_test_AL_Ib(struct cpu *c, struct insn *i)
{
    uint32_t r = c->gpr[R_EAX] & fetch8(c, i);
    flags_set(c, LF_LOGIC, 0, r, 0, r);
}
void op_test_eAX_Iv(struct cpu *c, struct insn *i)
{
    uint32_t r = get_rv(c, i, R_EAX) & fetch_iv(c, i);
    flags_set(c, LF_LOGIC, v_sz(i), r, 0, r);
}

void op_inc_Zv(struct cpu *c, struct insn *i)
{
    unsigned r = i->b & 7;
    uint32_t a = get_rv(c, i, r), res = (a + 1) & sz_mask(v_sz(i));
    set_rv(c, i, r, res);
    set_incdec(c, false, v_sz(i), res);
}
void op_dec_Zv(struct cpu *c, struct insn *i)
{
    unsigned r = i->b & 7;
    uint32_t a = get_rv(c, i, r), res = (a - 1) & sz_mask(v_sz(i));
    set_rv(c, i, r, res);
    set_incdec(c, true, v_sz(i), res);
}

/* Group 4 (FE): INC/DEC Eb. */
void op_grp4_Eb(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    if (i->reg > 1)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    uint8_t a = get_Eb(c, i);
    uint8_t r = i->reg ? (uint8_t)(a - 1) : (uint8_t)(a + 1);
    set_Eb(c, i, r);
    set_incdec(c, i->reg == 1, 0, r);
}

/* Group 5 (FF) /0 and /1; the rest of group 5 is in ops_ctrl.c. */
void alu_incdec_Ev(struct cpu *c, struct insn *i)
{
    uint32_t a = get_Ev(c, i);
    uint32_t r = (i->reg ? a - 1 : a + 1) & sz_mask(v_sz(i));
    set_Ev(c, i, r);
    set_incdec(c, i->reg == 1, v_sz(i), r);
}

/* Group 3 (F6/F7): TEST, NOT, NEG, MUL, IMUL, DIV, IDIV. /1 is an alias of TEST. */
void op_grp3_Eb(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    switch (i->reg) {
    case 0:
    case 1: {
        uint8_t imm = fetch8(c, i);
        uint32_t r = get_Eb(c, i) & imm;
        flags_set(c, LF_LOGIC, 0, r, 0, r);
        break;
    }
    case 2: set_Eb(c, i, (uint8_t)~get_Eb(c, i)); break;
    case 3: {
        uint8_t a = get_Eb(c, i), r = (uint8_t)(0 - a);
        set_Eb(c, i, r);
        flags_set(c, LF_SUB, 0, 0, a, r);
        break;
    }
    default: muldiv_Eb(c, i, i->reg); break;
    }
}

void op_grp3_Ev(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    unsigned sz = v_sz(i);
    switch (i->reg) {
    case 0:
    case 1: {
        uint32_t imm = fetch_iv(c, i);
        uint32_t r = get_Ev(c, i) & imm;
        flags_set(c, LF_LOGIC, sz, r, 0, r);
        break;
    }
    case 2: set_Ev(c, i, ~get_Ev(c, i) & sz_mask(sz)); break;
    case 3: {
        uint32_t a = get_Ev(c, i), r = (0 - a) & sz_mask(sz);
        set_Ev(c, i, r);
        flags_set(c, LF_SUB, sz, 0, a, r);
        break;
    }
    default: muldiv_Ev(c, i, i->reg); break;
    }
}
