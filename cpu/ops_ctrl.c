/* Control transfer: Jcc, JMP, CALL, RET (near forms here; far forms call the system half),
 * LOOP/LOOPE/LOOPNE, JCXZ/JECXZ, INT n / INT3 / INTO, IRET, and group 5 (FF) (Intel 386
 * manual 17.2.2.11). A near target beyond the CS limit raises #GP(0) before anything
 * (the stack included) changes. */
#include "cpu/ops.h"

static inline uint32_t rel8(struct cpu *c, struct insn *i)
{
    return (uint32_t)(int32_t)(int8_t)fetch8(c, i);
}

void op_jcc_Jb(struct cpu *c, struct insn *i)
{
    uint32_t d = rel8(c, i);
    unsigned cc = i->b & 15;
    /* JZ/JNZ after a lazy result: the commonest loop branch, decided inline */
    if ((cc >> 1) == 2 && c->lf.op != LF_NONE) {
        bool z = (c->lf.res & sz_mask(c->lf.op & 3)) == 0;
        if (z != (cc & 1))
            jump_to(c, i, c->eip + d);
        return;
    }
    if (flags_cond(c, cc))
        jump_to(c, i, c->eip + d);
}
void op_jcc_Jv(struct cpu *c, struct insn *i)
{
    uint32_t d = i->op32 ? fetch32(c, i) : (uint32_t)(int32_t)(int16_t)fetch16(c, i);
    if (flags_cond(c, i->b & 15))
        jump_to(c, i, c->eip + d);
}
void op_jmp_Jb(struct cpu *c, struct insn *i)
{
    uint32_t d = rel8(c, i);
    jump_to(c, i, c->eip + d);
}
void op_jmp_Jv(struct cpu *c, struct insn *i)
{
    uint32_t d = i->op32 ? fetch32(c, i) : (uint32_t)(int32_t)(int16_t)fetch16(c, i);
    jump_to(c, i, c->eip + d);
}

/* Near CALL: the target is checked, then the return address pushed, then EIP set. */
static void call_near(struct cpu *c, struct insn *i, uint32_t target)
{
    if (!i->op32)
        target &= 0xFFFF;
    if (target > c->seg[SEG_CS].limit)
        cpu_raise(c, EXC_GP, 0);
    cpu_push(c, c->eip, i->op32 ? 4 : 2);
    c->eip = target;
}
void op_call_Jv(struct cpu *c, struct insn *i)
{
    uint32_t d = i->op32 ? fetch32(c, i) : (uint32_t)(int32_t)(int16_t)fetch16(c, i);
    call_near(c, i, c->eip + d);
}

/* Near RET [imm16]: the return address is read and checked before ESP moves. */
static void ret_near(struct cpu *c, struct insn *i, uint16_t imm)
{
    bool s32 = stack32(c);
    unsigned n = i->op32 ? 4 : 2;
    uint32_t sp = s32 ? c->gpr[R_ESP] : (c->gpr[R_ESP] & 0xFFFF);
    uint32_t target = seg_read(c, SEG_SS, sp, n);
    if (target > c->seg[SEG_CS].limit)
        cpu_raise(c, EXC_GP, 0);
    sp += n + imm;
    if (s32)
        c->gpr[R_ESP] = sp;
    else
        set_r16(c, R_ESP, (uint16_t)sp);
    c->eip = target;
}
void op_ret(struct cpu *c, struct insn *i) { ret_near(c, i, 0); }
void op_ret_Iw(struct cpu *c, struct insn *i) { ret_near(c, i, fetch16(c, i)); }

void op_retf(struct cpu *c, struct insn *i)
{
    cpu_ret_far(c, i->op32, 0);
    cpu_mode_changed(c);
}
void op_retf_Iw(struct cpu *c, struct insn *i)
{
    uint16_t imm = fetch16(c, i);
    cpu_ret_far(c, i->op32, imm);
    cpu_mode_changed(c);
}
void op_iret(struct cpu *c, struct insn *i)
{
    cpu_iret(c, i->op32);
    cpu_mode_changed(c);
}

/* EA / 9A: ptr16:16 or ptr16:32 */
void op_jmp_Ap(struct cpu *c, struct insn *i)
{
    uint32_t off = fetch_iv(c, i);
    uint16_t sel = fetch16(c, i);
    cpu_jmp_far(c, sel, off);
    cpu_mode_changed(c);
}
void op_call_Ap(struct cpu *c, struct insn *i)
{
    uint32_t off = fetch_iv(c, i);
    uint16_t sel = fetch16(c, i);
    cpu_call_far(c, sel, off, i->op32);
    cpu_mode_changed(c);
}

/* LOOP family and JCXZ: the counter is CX or ECX by address size; flags untouched. */
static inline uint32_t dec_count(struct cpu *c, struct insn *i)
{
    if (i->a32)
        return --c->gpr[R_ECX];
    uint16_t cx = (uint16_t)(c->gpr[R_ECX] - 1);
    set_r16(c, R_ECX, cx);
    return cx;
}
void op_loopne_Jb(struct cpu *c, struct insn *i)
{
    uint32_t d = rel8(c, i);
    if (dec_count(c, i) && !flags_cond(c, 4))
        jump_to(c, i, c->eip + d);
}
void op_loope_Jb(struct cpu *c, struct insn *i)
{
    uint32_t d = rel8(c, i);
    if (dec_count(c, i) && flags_cond(c, 4))
        jump_to(c, i, c->eip + d);
}
void op_loop_Jb(struct cpu *c, struct insn *i)
{
    uint32_t d = rel8(c, i);
    if (dec_count(c, i))
        jump_to(c, i, c->eip + d);
}
void op_jcxz_Jb(struct cpu *c, struct insn *i)
{
    uint32_t d = rel8(c, i);
    uint32_t cnt = i->a32 ? c->gpr[R_ECX] : (c->gpr[R_ECX] & 0xFFFF);
    if (!cnt)
        jump_to(c, i, c->eip + d);
}

/* Software interrupts: EIP already points after the instruction (they are traps). */
void op_int3(struct cpu *c, struct insn *i)
{
    cpu_interrupt(c, EXC_BP, INT_SOFT_INT3, false, 0);
    cpu_mode_changed(c);
}
void op_int_Ib(struct cpu *c, struct insn *i)
{
    uint8_t v = fetch8(c, i);
    cpu_interrupt(c, v, INT_SOFT, false, 0);
    cpu_mode_changed(c);
}
void op_into(struct cpu *c, struct insn *i)
{
    if (flags_cond(c, 0)) {
        cpu_interrupt(c, EXC_OF, INT_SOFT_INTO, false, 0);
        cpu_mode_changed(c);
    }
}

/* Group 5 (FF): INC, DEC, CALL Ev, CALL Mp, JMP Ev, JMP Mp, PUSH Ev. */
void op_grp5_Ev(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    switch (i->reg) {
    case 0:
    case 1:
        alu_incdec_Ev(c, i);
        break;
    case 2:
        call_near(c, i, get_Ev(c, i));
        break;
    case 4:
        jump_to(c, i, get_Ev(c, i));
        break;
    case 3:
    case 5: {
        if (i->mod == 3)
            cpu_raise(c, EXC_UD, CPU_NO_ERR);
        uint32_t off = mem_readv(c, i, i->seg, i->ea);
        uint32_t sel_off = i->ea + (i->op32 ? 4 : 2);
        if (!i->a32)
            sel_off &= 0xFFFF;
        uint16_t sel = mem_read16(c, i->seg, sel_off);
        if (i->reg == 3)
            cpu_call_far(c, sel, off, i->op32);
        else
            cpu_jmp_far(c, sel, off);
        cpu_mode_changed(c);
        break;
    }
    case 6:
        cpu_push(c, get_Ev(c, i), i->op32 ? 4 : 2);
        break;
    default:
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    }
}
