/* Lazy arithmetic flags.
 *
 * Most instructions only record what they computed (c->lf: kind + size, operands, result);
 * CF/PF/AF/ZF/SF/OF are derived when something reads them (Jcc, PUSHF, ADC, an exception).
 * lf.op == LF_NONE means the arithmetic bits in c->eflags are current; for every other
 * value they are stale (CF included).
 *
 * lf.op holds two record bytes:
 *
 *     15        8 7         0
 *    +-----------+-----------+
 *    | CF record | res record|     record = kind << 2 | size index (0: 8 bits, 1: 16, 2: 32)
 *    +-----------+-----------+
 *
 * The res record says what produced lf.res: ZF, SF, PF, AF and OF come from it. The CF record
 * says what op1/op2 are, and CF comes from them alone (carry of op1 + op2 [+1], borrow of
 * op1 - op2 [-1], the bit a shift moved out last). Every instruction but INC and DEC writes
 * the same record in both bytes (LF_OP). INC and DEC leave CF alone (Intel 386 manual
 * 17.2.2.11 "INC", "DEC"), so they replace only res and the low byte: op1, op2 and the CF
 * record stay those of the last other flag-setting instruction, however many INC/DEC
 * follow it. A CF record of LF_NONE means CF is the one in c->eflags. */
#ifndef PW_CPU_FLAGS_H
#define PW_CPU_FLAGS_H

#include <string.h>

#include "cpu/internal.h"

enum {
    LF_NONE = 0,
    LF_ADD = 1, LF_ADC = 2, LF_SUB = 3, LF_SBB = 4, /* ADC/SBB: the carry in was 1 */
    LF_LOGIC = 5, LF_INC = 6, LF_DEC = 7,
    LF_SHL = 8, LF_SHR = 9, LF_SAR = 10, /* op1 = operand shifted by count-1 */
};
/* one record byte */
#define LF_REC(kind, sz) (((kind) << 2) | (sz))
/* lf.op of every instruction but INC/DEC: the same record in both bytes (so code that
 * writes or compares lf.op with LF_OP means what it meant when lf.op was one record) */
#define LF_OP(kind, sz) (LF_REC(kind, sz) * 0x101u)
/* the kind of the res record, and the CF record */
#define LF_KIND(op) (((op) & 0xFFu) >> 2)
#define LF_CF_REC(op) (((op) >> 8) & 0xFFu)

/* 8 << sz bits, computed without branches (these sit in every flag derivation) */
static inline uint32_t sz_mask(unsigned sz) { return (uint32_t)((1ull << (8u << sz)) - 1); }
static inline uint32_t sz_sign(unsigned sz) { return 1u << ((8u << sz) - 1); }

/* The arithmetic flags (FL_ARITH bits only) described by lf; 'old' supplies CF when the CF
 * record is LF_NONE (INC/DEC after the flags were materialized). */
uint32_t flags_compute(const struct cpu_lazyflags *lf, uint32_t old);

static inline void flags_set(struct cpu *c, uint32_t kind, unsigned sz, uint32_t op1, uint32_t op2,
                             uint32_t res)
{
    c->lf.op = LF_OP(kind, sz);
    c->lf.op1 = op1;
    c->lf.op2 = op2;
    c->lf.res = res;
}

/* INC/DEC: res and the low record byte only (see the top of this file), stored as one
 * byte where that byte comes first. */
static inline void flags_set_incdec(struct cpu *c, uint32_t kind, unsigned sz, uint32_t res)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint8_t rec = (uint8_t)LF_REC(kind, sz);
    memcpy(&c->lf.op, &rec, 1);
#else
    c->lf.op = (c->lf.op & 0xFF00u) | LF_REC(kind, sz);
#endif
    c->lf.res = res;
}

/* CF of a record from its operands: 'rec' is a CF record byte (never INC/DEC), 'old' the
 * EFLAGS to take CF from when rec is LF_NONE. Returns 0 or 1. */
static inline uint32_t flags_cf_rec(uint32_t rec, uint32_t op1, uint32_t op2, uint32_t old)
{
    unsigned sz = rec & 3;
    uint32_t m = sz_mask(sz);
    op1 &= m;
    op2 &= m;
    switch (rec >> 2) {
    case LF_NONE: return old & FL_CF;
    case LF_ADD: return (uint64_t)op1 + op2 > m;     /* carry out of the top bit */
    case LF_ADC: return (uint64_t)op1 + op2 + 1 > m;
    case LF_SUB: return op1 < op2;                   /* borrow */
    case LF_SBB: return op1 <= op2;
    case LF_SHL: return (op1 & sz_sign(sz)) != 0;    /* op1 = operand << (count-1) */
    case LF_SHR: case LF_SAR: return op1 & 1;       /* op1 = operand >> (count-1) */
    default: return 0;                               /* LF_LOGIC */
    }
}

/* Brings the arithmetic bits of c->eflags up to date (lf.op becomes LF_NONE). */
static inline void flags_materialize(struct cpu *c)
{
    if (c->lf.op != LF_NONE) {
        c->eflags = (c->eflags & ~FL_ARITH) | flags_compute(&c->lf, c->eflags);
        c->lf.op = LF_NONE;
    }
}

/* CF alone (ADC, SBB, RCL, RCR, CMC, SALC). It depends on the CF record only, so it is the
 * same after any number of INC/DEC. */
bool flags_cf_slow(const struct cpu *c);
static inline bool flags_cf(struct cpu *c)
{
    uint32_t rec = LF_CF_REC(c->lf.op);
    /* the 32-bit CMP/SUB, ADD and ADC that ADC and SBB usually follow */
    if (rec == LF_REC(LF_SUB, 2))
        return c->lf.op1 < c->lf.op2;
    if (rec == LF_REC(LF_ADD, 2))
        return c->lf.op1 + c->lf.op2 < c->lf.op1;
    if (rec == LF_REC(LF_ADC, 2))
        return c->lf.op1 + c->lf.op2 + 1 <= c->lf.op1;
    if (rec == LF_NONE)
        return (c->eflags & FL_CF) != 0;
    return flags_cf_slow(c);
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
