/* "Who wrote this page-table entry?": every frame the MMU has been seen to use as a page
 * directory or page table gets a write watch; every store into such a frame is recorded
 * with EIP, LDT selector (the task, in 0.11) and instruction count. Enabled only while the
 * monitor is in use (it makes page-table stores take the slow path). */
#ifndef PW_EMU_PT_HISTORY_H
#define PW_EMU_PT_HISTORY_H

#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"

struct pt_write {
    uint64_t icount;
    uint32_t phys, val, eip;
    uint16_t cs, ldt;
    uint8_t size;
};

struct pt_history {
    struct cpu *cpu;
    uint8_t *is_table;       /* per RAM frame: seen as a page directory/table */
    uint32_t nframes;
    struct pt_write *ring;   /* the last PT_HISTORY_MAX stores */
    uint32_t n, head;
    uint64_t total;
};

#define PT_HISTORY_MAX 65536

int pt_history_init(struct pt_history *h, struct cpu *c); /* subscribes; 0 or -1 */
void pt_history_free(struct pt_history *h);
/* Prints the recorded stores that touched [phys, phys+len), newest first (at most max). */
struct symtab;
/* (syms may be NULL; with them, writers are named function+offset) */
int pt_history_print(struct pt_history *h, const struct symtab *syms, uint32_t phys, uint32_t len, int max,
                     FILE *out);

#endif
