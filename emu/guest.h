/* Guest introspection for Linux-0.11-style kernels, described by data rather than wired to
 * one build: where the page-count map is and how wide its entries are, where the task table
 * is and the offsets of the fields we show. The bundled kernel exports its own description
 * as the symbol `pw_layout` (struct guest_layout_image below); other 0.11-style kernels are
 * described by a built-in profile plus their System.map.
 *
 * Everything here only reads guest memory (no A/D bits set, no TLB state touched). */
#ifndef PW_EMU_GUEST_H
#define PW_EMU_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "emu/symbols.h"

#define GUEST_LAYOUT_MAGIC 0x314C5750u /* "PWL1" */

/* The record as the bundled kernel stores it (all little-endian uint32). map_addr and
 * map_elem are read at every use: the allocator is chosen at boot (alloc=byte|short|buddy). */
struct guest_layout_image {
    uint32_t magic;
    uint32_t map_addr;    /* address of the count array */
    uint32_t map_elem;    /* 1 (0.11 bytes) or 2 (0.01 shorts) */
    uint32_t low_mem;     /* physical address counted by entry 0 */
    uint32_t npages;      /* entries */
    uint32_t used_value;  /* count meaning "never handed out" (0.11: USED = 100) */
    uint32_t task_array;  /* address of task[NR_TASKS] (pointers) */
    uint32_t nr_tasks;
    uint32_t current;     /* address of the `current` pointer */
    uint32_t off_state, off_pid, off_ppid, off_start_code, off_end_data, off_brk, off_comm;
    uint32_t comm_len;    /* 0: no name field */
    uint32_t slot_size;   /* linear bytes per task slot (64 MiB) */
};

struct guest {
    struct cpu *cpu;
    const struct symtab *syms;
    bool have_layout;
    uint32_t layout_addr;        /* 0: static profile below */
    struct guest_layout_image l; /* the last values read */
    char why[160];               /* why introspection is unavailable */
};

/* Finds the layout: `pw_layout` in the symbols, else the Linux 0.11 profile when the symbols
 * have `mem_map` and `task`. Returns 0, or -1 with g->why set. */
int guest_init(struct guest *g, struct cpu *cpu, const struct symtab *syms);
/* Re-reads the layout record (cheap; call before each view). false when unreadable. */
bool guest_refresh(struct guest *g);

/* Page counts: fills counts[0..npages) and returns npages (0 when unavailable). */
uint32_t guest_read_counts(struct guest *g, uint16_t *counts, uint32_t max);

struct guest_task {
    int slot;
    uint32_t addr;
    int32_t state, pid, ppid;
    uint32_t start_code, end_data, brk;
    char comm[17];
    bool current;
};
/* Reads up to max live tasks; returns how many. */
int guest_read_tasks(struct guest *g, struct guest_task *out, int max);

/* Counts, from the page tables themselves, how many present PTEs in the task slots (page
 * directory entries at and above the first task slot past task 0's) map each frame of the
 * paging area, and how many frames are page tables. refs/pt arrays have npages entries. */
void guest_count_refs(struct guest *g, uint16_t *refs, uint8_t *is_table, uint32_t npages);

/* memcheck: prints each frame whose count disagrees with what the page tables and the
 * task structures explain; returns the number of disagreements (or -1 if unavailable). */
int guest_memcheck(struct guest *g, FILE *out);

/* Which tasks map a physical frame, and at which linear addresses. Returns the number of
 * mappings written to lin[]/task_slot[] (at most max). */
int guest_who_maps(struct guest *g, uint32_t frame, uint32_t *lin, int *task_slot, int max);

#endif
