/* Decoded handlers for data instructions: the group-1 ALU operations, TEST, INC/DEC,
 * NOT/NEG, MOV, LEA, MOVZX/MOVSX, SHL/SHR/SAR, SETcc and a few one-byte operations. Each
 * mirrors its interpreter counterpart in ops_alu.c, ops_mov.c, ops_shift.c (see dc_ops.h). */
#ifndef PW_CPU_DC_OPS_DATA_H
#define PW_CPU_DC_OPS_DATA_H

#include "cpu/dc_ops.h"

#define ALU_HANDLERS(name, n)                                                               \
    DC_OP_BODY d_##name##_rr(struct cpu *c, const struct dinsn *d)                          \
    {                                                                                       \
        struct cpu_lazyflags lf;                                                            \
        uint32_t r = alu(c, n, 2, c->gpr[d->rm], c->gpr[d->reg], &lf);                      \
        if (n != 7)                                                                         \
            c->gpr[d->rm] = r;                                                              \
        c->lf = lf;                                                                         \
    }                                                                                       \
    DC_OP_BODY d_##name##_rm(DC_MEM_ARGS)                                                   \
    {                                                                                       \
        struct cpu_lazyflags lf;                                                            \
        uint32_t v = dc_read32(c, d, d->seg, dc_ea(c, d), acc);                             \
        uint32_t r = alu(c, n, 2, c->gpr[d->reg], v, &lf);                                  \
        if (n != 7)                                                                         \
            c->gpr[d->reg] = r;                                                             \
        c->lf = lf;                                                                         \
    }                                                                                       \
    DC_OP_BODY d_##name##_mr(DC_MEM_ARGS)                                                   \
    {                                                                                       \
        struct cpu_lazyflags lf;                                                            \
        uint32_t ea = dc_ea(c, d);                                                          \
        uint32_t r = alu(c, n, 2, dc_read32(c, d, d->seg, ea, acc), c->gpr[d->reg], &lf);   \
        if (n != 7)                                                                         \
            dc_write32(c, d, d->seg, ea, r, acc);                                           \
        c->lf = lf;                                                                         \
    }                                                                                       \
    DC_OP_BODY d_##name##_ri(struct cpu *c, const struct dinsn *d)                          \
    {                                                                                       \
        struct cpu_lazyflags lf;                                                            \
        uint32_t r = alu(c, n, 2, c->gpr[d->rm], d->imm, &lf);                              \
        if (n != 7)                                                                         \
            c->gpr[d->rm] = r;                                                              \
        c->lf = lf;                                                                         \
    }                                                                                       \
    DC_OP_BODY d_##name##_mi(DC_MEM_ARGS)                                                   \
    {                                                                                       \
        struct cpu_lazyflags lf;                                                            \
        uint32_t ea = dc_ea(c, d);                                                          \
        uint32_t r = alu(c, n, 2, dc_read32(c, d, d->seg, ea, acc), d->imm, &lf);           \
        if (n != 7)                                                                         \
            dc_write32(c, d, d->seg, ea, r, acc);                                           \
        c->lf = lf;                                                                         \
    }                                                                                       \
    DC_OP_BODY d_##name##_rr8(struct cpu *c, const struct dinsn *d)                         \
    {                                                                                       \
        struct cpu_lazyflags lf;                                                            \
        uint32_t r = alu(c, n, 0, get_r8(c, d->rm), get_r8(c, d->reg), &lf);                \
        if (n != 7)                                                                         \
            set_r8(c, d->rm, (uint8_t)r);                                                   \
        c->lf = lf;                                                                         \
    }                                                                                       \
    DC_OP_BODY d_##name##_rm8(DC_MEM_ARGS)                                                  \
    {                                                                                       \
        struct cpu_lazyflags lf;                                                            \
        uint8_t v = dc_read8(c, d, d->seg, dc_ea(c, d), acc);                               \
        uint32_t r = alu(c, n, 0, get_r8(c, d->reg), v, &lf);                               \
        if (n != 7)                                                                         \
            set_r8(c, d->reg, (uint8_t)r);                                                  \
        c->lf = lf;                                                                         \
    }                                                                                       \
    DC_OP_BODY d_##name##_mr8(DC_MEM_ARGS)                                                  \
    {                                                                                       \
        struct cpu_lazyflags lf;                                                            \
        uint32_t ea = dc_ea(c, d);                                                          \
        uint32_t r = alu(c, n, 0, dc_read8(c, d, d->seg, ea, acc), get_r8(c, d->reg), &lf); \
        if (n != 7)                                                                         \
            dc_write8(c, d, d->seg, ea, (uint8_t)r, acc);                                   \
        c->lf = lf;                                                                         \
    }                                                                                       \
    DC_OP_BODY d_##name##_ri8(struct cpu *c, const struct dinsn *d)                         \
    {                                                                                       \
        struct cpu_lazyflags lf;                                                            \
        uint32_t r = alu(c, n, 0, get_r8(c, d->rm), d->imm, &lf);                           \
        if (n != 7)                                                                         \
            set_r8(c, d->rm, (uint8_t)r);                                                   \
        c->lf = lf;                                                                         \
    }                                                                                       \
    DC_OP_BODY d_##name##_mi8(DC_MEM_ARGS)                                                  \
    {                                                                                       \
        struct cpu_lazyflags lf;                                                            \
        uint32_t ea = dc_ea(c, d);                                                          \
        uint32_t r = alu(c, n, 0, dc_read8(c, d, d->seg, ea, acc), d->imm, &lf);            \
        if (n != 7)                                                                         \
            dc_write8(c, d, d->seg, ea, (uint8_t)r, acc);                                   \
        c->lf = lf;                                                                         \
    }

ALU_HANDLERS(add, 0)
ALU_HANDLERS(or, 1)
ALU_HANDLERS(adc, 2)
ALU_HANDLERS(sbb, 3)
ALU_HANDLERS(and, 4)
ALU_HANDLERS(sub, 5)
ALU_HANDLERS(xor, 6)
ALU_HANDLERS(cmp, 7)

/* ---- TEST (AND without a result) ---- */
DC_OP_BODY d_test_rr(struct cpu *c, const struct dinsn *d)
{
    uint32_t r = c->gpr[d->rm] & c->gpr[d->reg];
    flags_set(c, LF_LOGIC, 2, r, 0, r);
}
DC_OP_BODY d_test_mr(DC_MEM_ARGS)
{
    uint32_t r = dc_read32(c, d, d->seg, dc_ea(c, d), acc) & c->gpr[d->reg];
    flags_set(c, LF_LOGIC, 2, r, 0, r);
}
DC_OP_BODY d_test_ri(struct cpu *c, const struct dinsn *d)
{
    uint32_t r = c->gpr[d->rm] & d->imm;
    flags_set(c, LF_LOGIC, 2, r, 0, r);
}
DC_OP_BODY d_test_mi(DC_MEM_ARGS)
{
    uint32_t r = dc_read32(c, d, d->seg, dc_ea(c, d), acc) & d->imm;
    flags_set(c, LF_LOGIC, 2, r, 0, r);
}
DC_OP_BODY d_test_rr8(struct cpu *c, const struct dinsn *d)
{
    uint32_t r = get_r8(c, d->rm) & get_r8(c, d->reg);
    flags_set(c, LF_LOGIC, 0, r, 0, r);
}
DC_OP_BODY d_test_mr8(DC_MEM_ARGS)
{
    uint32_t r = dc_read8(c, d, d->seg, dc_ea(c, d), acc) & get_r8(c, d->reg);
    flags_set(c, LF_LOGIC, 0, r, 0, r);
}
DC_OP_BODY d_test_ri8(struct cpu *c, const struct dinsn *d)
{
    uint32_t r = get_r8(c, d->rm) & d->imm;
    flags_set(c, LF_LOGIC, 0, r, 0, r);
}
DC_OP_BODY d_test_mi8(DC_MEM_ARGS)
{
    uint32_t r = dc_read8(c, d, d->seg, dc_ea(c, d), acc) & d->imm;
    flags_set(c, LF_LOGIC, 0, r, 0, r);
}

/* ---- INC/DEC/NOT/NEG ---- */
DC_OP_BODY d_inc_r(struct cpu *c, const struct dinsn *d)
{
    uint32_t a = c->gpr[d->rm], r = a + 1;
    c->gpr[d->rm] = r;
    set_incdec(c, false, 2, r);
}
DC_OP_BODY d_dec_r(struct cpu *c, const struct dinsn *d)
{
    uint32_t a = c->gpr[d->rm], r = a - 1;
    c->gpr[d->rm] = r;
    set_incdec(c, true, 2, r);
}
DC_OP_BODY d_inc_m(DC_MEM_ARGS)
{
    uint32_t ea = dc_ea(c, d);
    uint32_t a = dc_read32(c, d, d->seg, ea, acc), r = a + 1;
    dc_write32(c, d, d->seg, ea, r, acc);
    set_incdec(c, false, 2, r);
}
DC_OP_BODY d_dec_m(DC_MEM_ARGS)
{
    uint32_t ea = dc_ea(c, d);
    uint32_t a = dc_read32(c, d, d->seg, ea, acc), r = a - 1;
    dc_write32(c, d, d->seg, ea, r, acc);
    set_incdec(c, true, 2, r);
}
DC_OP_BODY d_not_r(struct cpu *c, const struct dinsn *d)
{
    c->gpr[d->rm] = ~c->gpr[d->rm];
}
DC_OP_BODY d_not_m(DC_MEM_ARGS)
{
    uint32_t ea = dc_ea(c, d);
    dc_write32(c, d, d->seg, ea, ~dc_read32(c, d, d->seg, ea, acc), acc);
}
DC_OP_BODY d_neg_r(struct cpu *c, const struct dinsn *d)
{
    uint32_t a = c->gpr[d->rm], r = 0 - a;
    c->gpr[d->rm] = r;
    flags_set(c, LF_SUB, 2, 0, a, r);
}
DC_OP_BODY d_neg_m(DC_MEM_ARGS)
{
    uint32_t ea = dc_ea(c, d);
    uint32_t a = dc_read32(c, d, d->seg, ea, acc), r = 0 - a;
    dc_write32(c, d, d->seg, ea, r, acc);
    flags_set(c, LF_SUB, 2, 0, a, r);
}

/* ---- MOV, LEA, MOVZX/MOVSX ---- */
DC_OP_BODY d_mov_rr(struct cpu *c, const struct dinsn *d)
{
    c->gpr[d->rm] = c->gpr[d->reg];
}
DC_OP_BODY d_mov_rm(DC_MEM_ARGS)
{
    uint32_t v = dc_read32(c, d, d->seg, dc_ea(c, d), acc);
    c->gpr[d->reg] = v; /* d->reg read after the access: nothing kept across a miss */
}
DC_OP_BODY d_mov_mr(DC_MEM_ARGS)
{
    dc_write32(c, d, d->seg, dc_ea(c, d), c->gpr[d->reg], acc);
}
DC_OP_BODY d_mov_rm_b(DC_MEM_ARGS)
{
    uint32_t v = dc_read32(c, d, d->seg, dc_ea_b(c, d), acc);
    c->gpr[d->reg] = v;
}
DC_OP_BODY d_mov_mr_b(DC_MEM_ARGS)
{
    dc_write32(c, d, d->seg, dc_ea_b(c, d), c->gpr[d->reg], acc);
}
DC_OP_BODY d_mov_ri(struct cpu *c, const struct dinsn *d)
{
    c->gpr[d->rm] = d->imm;
}
DC_OP_BODY d_mov_mi(DC_MEM_ARGS)
{
    dc_write32(c, d, d->seg, dc_ea(c, d), d->imm, acc);
}
DC_OP_BODY d_mov_rr8(struct cpu *c, const struct dinsn *d)
{
    set_r8(c, d->rm, get_r8(c, d->reg));
}
DC_OP_BODY d_mov_rm8(DC_MEM_ARGS)
{
    set_r8(c, d->reg, dc_read8(c, d, d->seg, dc_ea(c, d), acc));
}
DC_OP_BODY d_mov_mr8(DC_MEM_ARGS)
{
    dc_write8(c, d, d->seg, dc_ea(c, d), get_r8(c, d->reg), acc);
}
DC_OP_BODY d_mov_ri8(struct cpu *c, const struct dinsn *d)
{
    set_r8(c, d->rm, (uint8_t)d->imm);
}
DC_OP_BODY d_mov_mi8(DC_MEM_ARGS)
{
    dc_write8(c, d, d->seg, dc_ea(c, d), (uint8_t)d->imm, acc);
}
DC_OP_BODY d_lea(struct cpu *c, const struct dinsn *d)
{
    c->gpr[d->reg] = dc_ea(c, d);
}
/* MOVZX/MOVSX: d->cc says whether the source is a register (1) or memory (0). */
DC_OP_BODY d_movzx_b(DC_MEM_ARGS)
{
    c->gpr[d->reg] = d->cc ? get_r8(c, d->rm) : dc_read8(c, d, d->seg, dc_ea(c, d), acc);
}
DC_OP_BODY d_movzx_w(DC_MEM_ARGS)
{
    c->gpr[d->reg] = d->cc ? (uint16_t)c->gpr[d->rm] : dc_read16(c, d, d->seg, dc_ea(c, d), acc);
}
DC_OP_BODY d_movsx_b(DC_MEM_ARGS)
{
    uint8_t v = d->cc ? get_r8(c, d->rm) : dc_read8(c, d, d->seg, dc_ea(c, d), acc);
    c->gpr[d->reg] = (uint32_t)(int32_t)(int8_t)v;
}
DC_OP_BODY d_movsx_w(DC_MEM_ARGS)
{
    uint16_t v = d->cc ? (uint16_t)c->gpr[d->rm] : dc_read16(c, d, d->seg, dc_ea(c, d), acc);
    c->gpr[d->reg] = (uint32_t)(int32_t)(int16_t)v;
}

/* ---- SHL/SHR/SAR Ev by imm8, 1 or CL (d->cc = 1: CL). The count is masked to 5 bits; a
 * masked count of 0 changes nothing, but the operand is still read (ops_shift.c). ---- */
static inline __attribute__((always_inline)) uint32_t shift32(unsigned kind, uint32_t v,
                                                               unsigned cnt, uint32_t *op1)
{
    if (kind == LF_SHR) {
        *op1 = v >> (cnt - 1);
        return v >> cnt;
    }
    if (kind == LF_SAR) {
        *op1 = (uint32_t)((int32_t)v >> (cnt - 1));
        return (uint32_t)((int32_t)v >> cnt);
    }
    *op1 = v << (cnt - 1);
    return v << cnt;
}
#define SHIFT_HANDLERS(name, kind)                                                       \
    DC_OP_BODY d_##name##_r(struct cpu *c, const struct dinsn *d)                        \
    {                                                                                    \
        unsigned cnt = (d->cc ? c->gpr[R_ECX] : d->imm) & 31;                            \
        if (!cnt)                                                                        \
            return;                                                                      \
        uint32_t op1, r = shift32(kind, c->gpr[d->rm], cnt, &op1);                       \
        c->gpr[d->rm] = r;                                                               \
        flags_set(c, kind, 2, op1, cnt, r);                                              \
    }                                                                                    \
    DC_OP_BODY d_##name##_m(DC_MEM_ARGS)                                                 \
    {                                                                                    \
        unsigned cnt = (d->cc ? c->gpr[R_ECX] : d->imm) & 31;                            \
        uint32_t ea = dc_ea(c, d);                                                       \
        uint32_t v = dc_read32(c, d, d->seg, ea, acc);                                   \
        if (!cnt)                                                                        \
            return;                                                                      \
        uint32_t op1, r = shift32(kind, v, cnt, &op1);                                   \
        dc_write32(c, d, d->seg, ea, r, acc); /* may fault: the flags change after it */ \
        flags_set(c, kind, 2, op1, cnt, r);                                              \
    }
SHIFT_HANDLERS(shl, LF_SHL)
SHIFT_HANDLERS(shr, LF_SHR)
SHIFT_HANDLERS(sar, LF_SAR)

/* ---- SETcc Eb (d->cc: condition; d->imm = 1: register operand) ---- */
DC_OP_BODY d_setcc(DC_MEM_ARGS)
{
    uint8_t v = flags_cond(c, d->cc);
    if (d->imm)
        set_r8(c, d->rm, v);
    else
        dc_write8(c, d, d->seg, dc_ea(c, d), v, acc);
}

/* ---- one-byte operations ---- */
DC_OP_BODY d_nop(struct cpu *c, const struct dinsn *d)
{
}
DC_OP_BODY d_cwde(struct cpu *c, const struct dinsn *d)
{
    c->gpr[R_EAX] = (uint32_t)(int32_t)(int16_t)c->gpr[R_EAX];
}
DC_OP_BODY d_cdq(struct cpu *c, const struct dinsn *d)
{
    c->gpr[R_EDX] = (c->gpr[R_EAX] & 0x80000000u) ? 0xFFFFFFFFu : 0;
}
DC_OP_BODY d_cld(struct cpu *c, const struct dinsn *d)
{
    c->eflags &= ~FL_DF;
}
DC_OP_BODY d_std(struct cpu *c, const struct dinsn *d)
{
    c->eflags |= FL_DF;
}

#endif
