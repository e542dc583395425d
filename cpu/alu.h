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
    uint32_t r, kind, cf = 0;
    switch (op) {
    case 0: r = a + b; kind = LF_ADD; break;
    case 1: r = a | b; kind = LF_LOGIC; break;
    case 2: cf = flags_cf(c) ? 1 : 0; r = a + b + cf; kind = LF_ADD; break;
    case 3: cf = flags_cf(c) ? 1 : 0; r = a - b - cf; kind = LF_SUB; break;
    case 4: r = a & b; kind = LF_LOGIC; break;
    case 5: r = a - b; kind = LF_SUB; break;
    case 6: r = a ^ b; kind = LF_LOGIC; break;
    default: r = a - b; kind = LF_SUB; break;
    }
    r &= sz_mask(sz);
    /* with a carry in, ADD becomes LF_ADC and SUB LF_SBB: one kind up, in both bytes */
    _Static_assert(LF_ADC == LF_ADD + 1 && LF_SBB == LF_SUB + 1, "carry kinds follow");
    lf->op = LF_OP(kind, sz) + cf * LF_OP(1, 0);
    lf->op1 = a;
    lf->op2 = b;
    lf->res = r;
    return r;
}

/* INC/DEC keep CF: they record res and their kind, and leave the CF record (op1, op2 and
 * the high byte of lf.op) to the instruction before (flags.h). Nothing is computed here:
 * every other flag of INC/DEC follows from the result alone. */
static inline __attribute__((always_inline)) void set_incdec(struct cpu *c, bool dec, unsigned sz, uint32_t r)
{
    flags_set_incdec(c, dec ? LF_DEC : LF_INC, sz, r);
}

#endif
