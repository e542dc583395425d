/* Decoded handlers for the stack and near control transfers (32-bit operand size):
 * PUSH/POP, LEAVE, Jcc, JMP, CALL, RET. They mirror ops_mov.c and ops_ctrl.c: a near target
 * beyond the CS limit raises #GP(0) before anything changes; a CALL checks its target,
 * then pushes; RET reads and checks the return address before ESP moves. With a 16-bit
 * stack segment (SS.B = 0) the instruction goes to the interpreter untouched. */
#ifndef PW_CPU_DC_OPS_CTRL_H
#define PW_CPU_DC_OPS_CTRL_H

#include "cpu/dc_ops.h"

static inline bool ss32(const struct cpu *c) { return SEG_ATTR_DB(c->seg[SEG_SS].attr); }

/* The stack handlers cover a 32-bit stack (SS.B = 1) only: with a 16-bit one the
 * instruction goes to the interpreter before anything has changed. */
#define STACK32_OR_INTERPRET(c, d)   \
    do {                             \
        if (unlikely(!ss32(c))) {    \
            dc_interp((c), (d));     \
            return;                  \
        }                            \
    } while (0)

static inline void push32(struct cpu *c, uint32_t v)
{
    uint32_t esp = c->gpr[R_ESP] - 4;
    dc_write32(c, NULL, SEG_SS, esp, v, NULL);
    c->gpr[R_ESP] = esp;
}

static inline void dc_jump(struct cpu *c, uint32_t target)
{
    if (unlikely(target > c->seg[SEG_CS].limit))
        cpu_raise(c, EXC_GP, 0);
    c->eip = target;
}

/* JZ/JNZ after a lazy result decided inline, as op_jcc_Jb does; the rest in flags.c. */
static inline bool dc_cond(struct cpu *c, unsigned cc)
{
    if ((cc >> 1) == 2 && c->lf.op != LF_NONE) {
        bool z = (c->lf.res & sz_mask(c->lf.op & 3)) == 0;
        return z != (cc & 1);
    }
    return flags_cond(c, cc);
}

DC_OP_BODY d_push_r(struct cpu *c, const struct dinsn *d)
{
    STACK32_OR_INTERPRET(c, d);
    push32(c, c->gpr[d->rm]); /* PUSH ESP pushes the value before the decrement */
}
DC_OP_BODY d_pop_r(struct cpu *c, const struct dinsn *d)
{
    STACK32_OR_INTERPRET(c, d);
    uint32_t v = dc_read32(c, NULL, SEG_SS, c->gpr[R_ESP], NULL);
    c->gpr[R_ESP] += 4;
    c->gpr[d->rm] = v; /* POP ESP: the popped value wins over the increment */
}
DC_OP_BODY d_push_i(struct cpu *c, const struct dinsn *d)
{
    STACK32_OR_INTERPRET(c, d);
    push32(c, d->imm);
}
DC_OP_BODY d_push_m(struct cpu *c, const struct dinsn *d)
{
    STACK32_OR_INTERPRET(c, d);
    push32(c, dc_read32(c, NULL, d->seg, dc_ea(c, d), NULL));
}
DC_OP_BODY d_leave(struct cpu *c, const struct dinsn *d)
{
    STACK32_OR_INTERPRET(c, d);
    uint32_t sp = c->gpr[R_EBP];
    uint32_t v = dc_read32(c, NULL, SEG_SS, sp, NULL);
    c->gpr[R_ESP] = sp + 4;
    c->gpr[R_EBP] = v;
}

/* Jcc/JMP rel8/rel32: d->imm is the sign-extended displacement. */
DC_OP_BODY d_jcc(struct cpu *c, const struct dinsn *d)
{
    if (dc_cond(c, d->cc))
        dc_jump(c, c->eip + d->imm);
}
DC_OP_BODY d_jmp(struct cpu *c, const struct dinsn *d)
{
    dc_jump(c, c->eip + d->imm);
}
DC_OP_BODY d_jmp_r(struct cpu *c, const struct dinsn *d)
{
    dc_jump(c, c->gpr[d->rm]);
}
DC_OP_BODY d_jmp_m(struct cpu *c, const struct dinsn *d)
{
    dc_jump(c, dc_read32(c, NULL, d->seg, dc_ea(c, d), NULL));
}

static inline void call_to(struct cpu *c, uint32_t target)
{
    if (unlikely(target > c->seg[SEG_CS].limit))
        cpu_raise(c, EXC_GP, 0);
    push32(c, c->eip);
    c->eip = target;
}
DC_OP_BODY d_call(struct cpu *c, const struct dinsn *d)
{
    STACK32_OR_INTERPRET(c, d);
    call_to(c, c->eip + d->imm);
}
DC_OP_BODY d_call_r(struct cpu *c, const struct dinsn *d)
{
    STACK32_OR_INTERPRET(c, d);
    call_to(c, c->gpr[d->rm]);
}
DC_OP_BODY d_call_m(struct cpu *c, const struct dinsn *d)
{
    STACK32_OR_INTERPRET(c, d);
    call_to(c, dc_read32(c, NULL, d->seg, dc_ea(c, d), NULL));
}
/* RET and RET imm16 (d->imm: bytes to release after the return address). */
DC_OP_BODY d_ret(struct cpu *c, const struct dinsn *d)
{
    STACK32_OR_INTERPRET(c, d);
    uint32_t sp = c->gpr[R_ESP];
    dc_jump(c, dc_read32(c, NULL, SEG_SS, sp, NULL)); /* (checked before ESP moves) */
    c->gpr[R_ESP] = sp + 4 + d->imm;
}

#endif
