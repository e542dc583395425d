/* Run statistics: page faults by kind (classified as they happen, with the guest's page
 * counts), exceptions, task switches, CR3 writes, plus the MMU's TLB statistics. Printed by
 * --stats, written as JSON by --stats-json (what --compare reads). */
#ifndef PW_EMU_RUNSTATS_H
#define PW_EMU_RUNSTATS_H

#include <stdint.h>
#include <stdio.h>

#include "emu/guest.h"

struct pc;

enum { RS_COW_COPY, RS_COW_REUSE, RS_WRITE_PROTECT, RS_DEMAND_ZERO, RS_DEMAND_LOAD, RS_NOT_PRESENT, RS_PROTECTION,
       RS_NKINDS };

struct runstats {
    struct pc *pc;
    struct guest guest;
    uint64_t faults[RS_NKINDS];
    uint64_t exceptions, interrupts, task_switches, cr3_writes, invlpgs;
};

extern const char *const runstats_kind_names[RS_NKINDS];

int runstats_init(struct runstats *s, struct pc *pc, const struct symtab *syms);
void runstats_free(struct runstats *s);
void runstats_print(const struct runstats *s, FILE *out);
/* Only what the board's own --stats lines do not say: faults by kind, exceptions, switches. */
void runstats_print_faults(const struct runstats *s, FILE *out);
int runstats_write_json(const struct runstats *s, const char *path);

#endif
