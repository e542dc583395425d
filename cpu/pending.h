/* The CPU's "something to do at the next instruction boundary" bits (c->pending), shared
 * by the step loop (cpu.c) and the decoded-instruction run loop (dc_exec.c). */
#ifndef PW_CPU_PENDING_H
#define PW_CPU_PENDING_H

#include "cpu/cpu.h"

enum {
    PEND_INTR = 1u << 0,
    PEND_NMI = 1u << 1,
    PEND_STOP = 1u << 2,
    PEND_HOOK = 1u << 3,
    PEND_SHADOW = 1u << 4,
    PEND_HALT = 1u << 5,
    PEND_YIELD = 1u << 6, /* a long REP stopped after a chunk (cpu_rep_yield) */
};

/* Whether the next instruction boundary needs the step loop's boundary(): anything pending
 * but an INTR that IF masks (a guest running with interrupts off while a device holds its
 * line up must not leave the fast loop on every instruction), or TF. PEND_INTR is bit 0
 * and IF bit 9. */
static inline uint32_t boundary_due(const struct cpu *c)
{
    uint32_t f = c->eflags;
    return (c->pending & ~(PEND_INTR & ~(f >> 9))) | (f & FL_TF);
}

#endif
