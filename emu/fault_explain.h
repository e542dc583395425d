/* Page faults in words: each #PF the CPU takes is recorded with what the tables and the
 * kernel's page counts said at that moment, and explained the way a person would:
 *   "write by user code at EIP 0x0000102a to 0x04003000: page present, read-only, count 2
 *    -> copy-on-write (do_wp_page copies it)". */
#ifndef PW_EMU_FAULT_EXPLAIN_H
#define PW_EMU_FAULT_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "emu/guest.h"

struct fault_record {
    uint64_t icount;
    uint32_t eip, cs, lin, err;
    uint32_t pde, pte;       /* as the tables said when it faulted (0: not reached) */
    int count;               /* mem_map count of the mapped frame, -1 unknown */
    int task_slot;           /* -1 unknown */
    uint32_t low_mem;        /* the guest's LOW_MEM (0 unknown) */
    bool fetch;              /* CR2 is where the instruction itself starts */
    uint32_t task_start, task_end_data;
    uint8_t code[16];        /* the faulting instruction's bytes */
    int code_len;
    int bits;                /* 16 or 32 */
};

/* Fills r from the machine right now (call when the fault is detected, before the handler
 * runs). */
void fault_capture(struct fault_record *r, struct cpu *c, struct guest *g, uint32_t lin, uint32_t err);
/* One-paragraph explanation (two or three lines) with the instruction disassembled. */
void fault_explain(const struct fault_record *r, FILE *out);
/* Short kind used in statistics and --compare: "cow-copy", "cow-reuse", "demand-zero",
 * "demand-load", "protection", "not-present". */
const char *fault_kind(const struct fault_record *r);

#endif
