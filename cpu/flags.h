/* Lazy arithmetic flags.
 *
 * Most instructions only record what they computed (c->lf: kind + size, operands, result);
 * CF/PF/AF/ZF/SF/OF are derived when something reads them (Jcc, PUSHF, ADC, an exception).
 * lf.op == LF_NONE means the arithmetic bits in c->eflags are current. For every other kind
 * the arithmetic bits of c->eflags are stale, except CF for LF_INC/LF_DEC (INC and DEC leave
 * CF alone, Intel 386 manual 17.2.2.11 "INC"). */
#ifndef PW_CPU_FLAGS_H
#define PW_CPU_FLAGS_H

#include "cpu/internal.h"

enum {
    LF_NONE = 0,
    LF_ADD = 1, LF_ADC = 2, LF_SUB = 3, LF_SBB = 4, /* ADC/SBB: the carry in was 1 */
    LF_LOGIC = 5, LF_INC = 6, LF_DEC = 7,
    LF_SHL = 8, LF_SHR = 9, LF_SAR = 10, /* op1 = operand shifted by count-1 */
};
/* lf.op = kind << 2 | size index (0: 8 bits, 1: 16, 2: 32) */
#define LF_OP(kind, sz) (((kind) << 2) | (sz))
#define LF_KIND(op) ((op) >> 2)

/* 8 << sz bits, computed without branches (these sit in every flag derivation) */
static inline uint32_t sz_mask(unsigned sz) { return (uint32_t)((1ull << (8u << sz)) - 1); }
static inline uint32_t sz_sign(unsigned sz) { return 1u << ((8u << sz) - 1); }

/* The arithmetic flags (FL_ARITH bits only) described by lf; 'old' supplies CF for INC/DEC. */
uint32_t flags_compute(const struct cpu_lazyflags *lf, uint32_t old);

static inline void flags_set(struct cpu *c, uint32_t kind, unsigned sz, uint32_t op1, uint32_t op2,
                             uint32_t res)
{
    c->lf.op = LF_OP(kind, sz);
    c->lf.op1 = op1;
    c->lf.op2 = op2;
    c->lf.res = res;
}

/* Brings the arithmetic bits of c->eflags up to date (lf.op becomes LF_NONE). */
static inline void flags_materialize(struct cpu *c)
{
    if (c->lf.op != LF_NONE) {
        c->eflags = (c->eflags & ~FL_ARITH) | flags_compute(&c->lf, c->eflags);
        c->lf.op = LF_NONE;
    }
}

static inline uint32_t flags_cf(struct cpu *c)
{
    uint32_t op = c->lf.op;
    /* the 32-bit CMP/SUB and ADD results that ADC, SBB, INC and DEC usually follow */
    if (op == LF_OP(LF_SUB, 2))
        return c->lf.op1 < c->lf.op2;
    if (op == LF_OP(LF_ADD, 2))
        return c->lf.res < c->lf.op1;
    if (op == LF_OP(LF_ADC, 2))
        return c->lf.res <= c->lf.op1;
    if (op == LF_NONE)
        return c->eflags & FL_CF;
    unsigned sz = op & 3;
    uint32_t m = sz_mask(sz);
    switch (LF_KIND(op)) {
    case LF_ADD: return (c->lf.res & m) < (c->lf.op1 & m);
    case LF_ADC: return (c->lf.res & m) <= (c->lf.op1 & m);
    case LF_SUB: return (c->lf.op1 & m) < (c->lf.op2 & m);
    case LF_SBB: return (c->lf.op1 & m) <= (c->lf.op2 & m);
    /* shifts: op1 holds the operand shifted by count-1 (flags_compute) */
    case LF_SHL: return (c->lf.op1 & m & sz_sign(sz)) != 0;
    case LF_SHR: case LF_SAR: return c->lf.op1 & 1;
    case LF_LOGIC: return 0;
    case LF_INC: case LF_DEC: return c->eflags & FL_CF;
    default: return flags_compute(&c->lf, c->eflags) & FL_CF;
    }
}

/* Condition codes 0..15 in Intel order (O NO B NB Z NZ BE NBE S NS P NP L NL LE NLE). */
bool flags_cond(struct cpu *c, unsigned cc);

/* Replaces some arithmetic flags with explicit values (eager instructions). */
static inline void flags_put(struct cpu *c, uint32_t mask, uint32_t val)
{
    flags_materialize(c);
    c->eflags = (c->eflags & ~mask) | (val & mask);
}

/* ZF, SF, PF of a result (for eager instructions). */
static inline uint32_t flags_szp(uint32_t res, unsigned sz)
{
    uint32_t f = 0;
    res &= sz_mask(sz);
    if (res == 0)
        f |= FL_ZF;
    if (res & sz_sign(sz))
        f |= FL_SF;
    if (!__builtin_parity(res & 0xFF))
        f |= FL_PF;
    return f;
}

#endif
