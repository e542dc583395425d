/* The arithmetic core shared by the interpreter's handlers (ops_alu.c) and the handlers of
 * decoded instructions (dc_ops*.c): one definition of what each group-1 operation computes
 * and how INC/DEC record their flags. */
#ifndef PW_CPU_ALU_H
#define PW_CPU_ALU_H

#include "cpu/flags.h"

/* The eight group-1 operations; returns the result and fills *lf without touching c. */
static inline __attribute__((always_inline)) uint32_t alu(struct cpu *c, unsigned op, unsigned sz, uint32_t a, uint32_t b,
                           struct cpu_lazyflags *lf)
{
    uint32_t r, kind, cf;
    switch (op) {
    case 0: r = a + b; kind = LF_ADD; break;
    case 1: r = a | b; kind = LF_LOGIC; break;
    case 2: cf = flags_cf(c) ? 1 : 0; r = a + b + cf; kind = cf ? LF_ADC : LF_ADD; break;
    case 3: cf = flags_cf(c) ? 1 : 0; r = a - b - cf; kind = cf ? LF_SBB : LF_SUB; break;
    case 4: r = a & b; kind = LF_LOGIC; break;
    case 5: r = a - b; kind = LF_SUB; break;
    case 6: r = a ^ b; kind = LF_LOGIC; break;
    default: r = a - b; kind = LF_SUB; break;
    }
    r &= sz_mask(sz);
    lf->op = LF_OP(kind, sz);
    lf->op1 = a;
    lf->op2 = b;
    lf->res = r;
    return r;
}

/* INC/DEC keep CF: it is captured into c->eflags before the lazy state is replaced. */
static inline __attribute__((always_inline)) void set_incdec(struct cpu *c, bool dec, unsigned sz, uint32_t a, uint32_t r)
{
    uint32_t cf = flags_cf(c) ? FL_CF : 0;
    c->eflags = (c->eflags & ~FL_CF) | cf;
    flags_set(c, dec ? LF_DEC : LF_INC, sz, a, 1, r);
}

#endif
