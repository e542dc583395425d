#include "emu/runstats.h"

#include <string.h>

#include "emu/fault_explain.h"
#include "emu/pc.h"

const char *const runstats_kind_names[RS_NKINDS] = {"cow-copy",    "cow-reuse",   "write-protect", "demand-zero",
                                                    "demand-load", "not-present", "protection"};

static void on_event(void *opaque, const struct pw_event *ev)
{
    struct runstats *s = opaque;
    switch (ev->kind) {
    case PW_EV_PAGE_FAULT: {
        struct fault_record r;
        fault_capture(&r, &s->pc->cpu, &s->guest, ev->pf.lin, ev->pf.err);
        const char *k = fault_kind(&r);
        for (int i = 0; i < RS_NKINDS; i++)
            if (!strcmp(k, runstats_kind_names[i]))
                s->faults[i]++;
        break;
    }
    case PW_EV_EXCEPTION: s->exceptions++; break;
    case PW_EV_INTERRUPT: s->interrupts++; break;
    case PW_EV_TASK_SWITCH: s->task_switches++; break;
    case PW_EV_CR_WRITE: s->cr3_writes += ev->cr.cr == 3; break;
    case PW_EV_INVLPG: s->invlpgs++; break;
    default: break;
    }
}

int runstats_init(struct runstats *s, struct pc *pc, const struct symtab *syms)
{
    memset(s, 0, sizeof *s);
    s->pc = pc;
    guest_init(&s->guest, &pc->cpu, syms);
    return pw_events_subscribe(&pc->events,
                               PW_EV_BIT(PW_EV_PAGE_FAULT) | PW_EV_BIT(PW_EV_EXCEPTION) | PW_EV_BIT(PW_EV_INTERRUPT) |
                                   PW_EV_BIT(PW_EV_TASK_SWITCH) | PW_EV_BIT(PW_EV_CR_WRITE) | PW_EV_BIT(PW_EV_INVLPG),
                               on_event, s);
}

void runstats_free(struct runstats *s)
{
    if (s->pc)
        pw_events_unsubscribe(&s->pc->events, on_event, s);
}

void runstats_print_faults(const struct runstats *s, FILE *out)
{
    uint64_t total = 0;
    for (int i = 0; i < RS_NKINDS; i++)
        total += s->faults[i];
    fprintf(out, "page faults by kind: %llu", (unsigned long long)total);
    const char *sep = " (";
    for (int i = 0; i < RS_NKINDS; i++)
        if (s->faults[i]) {
            fprintf(out, "%s%s %llu", sep, runstats_kind_names[i], (unsigned long long)s->faults[i]);
            sep = ", ";
        }
    if (total)
        fputc(')', out);
    fprintf(out, "\nexceptions %llu, interrupts %llu, task switches %llu, CR3 writes %llu, INVLPG %llu\n",
            (unsigned long long)s->exceptions, (unsigned long long)s->interrupts,
            (unsigned long long)s->task_switches, (unsigned long long)s->cr3_writes, (unsigned long long)s->invlpgs);
}

static const char *const causes[PW_FLUSH_NCAUSES] = {"cr3", "invlpg", "task_switch", "cr0", "cr4", "host"};

void runstats_print(const struct runstats *s, FILE *out)
{
    const struct mmu_tlb_stats st = mmu_stats(&s->pc->mmu), *t = &st;
    uint64_t total = 0;
    for (int i = 0; i < RS_NKINDS; i++)
        total += s->faults[i];
    fprintf(out, "instructions   %llu\n", (unsigned long long)s->pc->cpu.icount);
    fprintf(out, "page faults    %llu:", (unsigned long long)total);
    for (int i = 0; i < RS_NKINDS; i++)
        if (s->faults[i])
            fprintf(out, " %s %llu", runstats_kind_names[i], (unsigned long long)s->faults[i]);
    fprintf(out, "\nexceptions     %llu, interrupts %llu, task switches %llu, CR3 writes %llu, INVLPG %llu\n",
            (unsigned long long)s->exceptions, (unsigned long long)s->interrupts,
            (unsigned long long)s->task_switches, (unsigned long long)s->cr3_writes, (unsigned long long)s->invlpgs);
    fprintf(out, "TLB            lookups %llu, hits %llu (%.2f%%), misses %llu, walks %llu, fills %llu, evictions %llu\n",
            (unsigned long long)t->lookups, (unsigned long long)t->hits,
            t->lookups ? 100.0 * (double)t->hits / (double)t->lookups : 0.0, (unsigned long long)t->misses,
            (unsigned long long)t->walks, (unsigned long long)t->fills, (unsigned long long)t->evictions);
    fprintf(out, "TLB flushes   ");
    for (int i = 0; i < PW_FLUSH_NCAUSES; i++)
        fprintf(out, " %s %llu (%llu entries)", causes[i], (unsigned long long)t->flushes[i],
                (unsigned long long)t->flushed[i]);
    fprintf(out, "\nstale TLB uses %llu%s\n", (unsigned long long)t->stale_uses,
            s->pc->mmu.tlb_check ? "" : " (not looked for: --tlb-check)");
}

int runstats_write_json(const struct runstats *s, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    const struct mmu_tlb_stats st = mmu_stats(&s->pc->mmu), *t = &st;
    fprintf(f, "{\"instructions\": %llu, \"faults\": {", (unsigned long long)s->pc->cpu.icount);
    for (int i = 0; i < RS_NKINDS; i++)
        fprintf(f, "%s\"%s\": %llu", i ? ", " : "", runstats_kind_names[i], (unsigned long long)s->faults[i]);
    fprintf(f, "}, \"exceptions\": %llu, \"interrupts\": %llu, \"task_switches\": %llu, \"cr3_writes\": %llu, "
               "\"invlpg\": %llu,\n \"tlb\": {\"lookups\": %llu, \"hits\": %llu, \"misses\": %llu, \"walks\": %llu, "
               "\"fills\": %llu, \"evictions\": %llu, \"stale_uses\": %llu, \"flushes\": {",
            (unsigned long long)s->exceptions, (unsigned long long)s->interrupts, (unsigned long long)s->task_switches,
            (unsigned long long)s->cr3_writes, (unsigned long long)s->invlpgs, (unsigned long long)t->lookups,
            (unsigned long long)t->hits, (unsigned long long)t->misses, (unsigned long long)t->walks,
            (unsigned long long)t->fills, (unsigned long long)t->evictions, (unsigned long long)t->stale_uses);
    for (int i = 0; i < PW_FLUSH_NCAUSES; i++)
        fprintf(f, "%s\"%s\": %llu", i ? ", " : "", causes[i], (unsigned long long)t->flushes[i]);
    fprintf(f, "}, \"flushed\": {");
    for (int i = 0; i < PW_FLUSH_NCAUSES; i++)
        fprintf(f, "%s\"%s\": %llu", i ? ", " : "", causes[i], (unsigned long long)t->flushed[i]);
    fprintf(f, "}}}\n");
    return fclose(f) == 0 ? 0 : -1;
}
