/* One CPU under comparison, behind a small ops table: the reference (Unicorn) and the device
 * under test (pagewalk's cpu/ + mmu/) implement the same calls. */
#ifndef PW_DIFF_RUNNER_H
#define PW_DIFF_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/diff/gen.h"

struct diff_regs {
    uint32_t gpr[8];     /* EAX..EDI */
    uint32_t eip;        /* offset in CS */
    uint32_t eflags;
};

#define DIFF_NO_EXC (-1)

struct runner {
    const char *name;
    void *impl;
    /* Loads code, the data area and registers for a case. Segment state is the mode's
     * standard one (see gen.h): flat protected mode, or real mode with CS = 0x2000. */
    int (*load)(struct runner *r, const struct gen_case *gc, const struct diff_regs *regs,
                const uint8_t *data);
    /* Runs one instruction to completion (all iterations of a REP string instruction).
     * Returns 0, the exception/interrupt vector raised (>= 0 in *vec) or -1 on a host-side
     * problem (message in err). */
    int (*step)(struct runner *r, int *vec, char *err, unsigned errlen);
    /* Runs n instructions (a REP string instruction counts once) as the emulator's own run
     * loop does, not one step at a time; stops early after an exception (its vector in
     * *vec, else DIFF_NO_EXC). Returns 0, or -1 on a host-side problem. NULL when the CPU
     * has no run loop of its own (Unicorn: the harness steps it). */
    int (*run)(struct runner *r, uint32_t n, int *vec, char *err, unsigned errlen);
    void (*get)(struct runner *r, struct diff_regs *out);
    void (*set)(struct runner *r, const struct diff_regs *in);
    void (*read)(struct runner *r, uint32_t addr, void *dst, uint32_t len);
    /* Host view of guest physical memory from 0 (at least the data area and the code). */
    const uint8_t *(*mem)(struct runner *r);
    void (*destroy)(struct runner *r);
};

int runner_unicorn_create(struct runner *r, bool code32, char *err, unsigned errlen);
int runner_pagewalk_create(struct runner *r, bool code32, int model, char *err, unsigned errlen);

#endif
