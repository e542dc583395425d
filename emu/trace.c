#include "emu/trace.h"

#include <string.h>

#include "emu/pc.h"

static const char *const flush_causes[PW_FLUSH_NCAUSES] = {"cr3", "invlpg", "task_switch", "cr0", "cr4", "host"};
static const char *const acc_names[3] = {"read", "write", "fetch"};

static void jsonl_event(struct trace *t, const struct pw_event *ev)
{
    FILE *f = t->jsonl;
    struct cpu *c = &t->pc->cpu;
    fprintf(f, "{\"icount\":%llu,\"eip\":\"0x%08x\",", (unsigned long long)c->icount, c->insn_eip);
    switch (ev->kind) {
    case PW_EV_WALK:
        fprintf(f, "\"ev\":\"walk\",\"lin\":\"0x%08x\",\"pde\":\"0x%08x\",\"pte\":\"0x%08x\",\"acc\":\"%s\",\"user\":%s,"
                   "\"fault\":%s}\n",
                ev->walk.lin, ev->walk.pde, ev->walk.pte, acc_names[ev->walk.acc % 3], ev->walk.user ? "true" : "false",
                ev->walk.fault ? "true" : "false");
        break;
    case PW_EV_TLB_FILL:
    case PW_EV_TLB_EVICT:
        fprintf(f, "\"ev\":\"%s\",\"lin\":\"0x%08x\",\"phys\":\"0x%08x\",\"pte\":\"0x%08x\",\"set\":%d,\"way\":%d}\n",
                ev->kind == PW_EV_TLB_FILL ? "tlb_fill" : "tlb_evict", ev->tlb.lin, ev->tlb.phys, ev->tlb.pte,
                ev->tlb.set, ev->tlb.way);
        break;
    case PW_EV_TLB_FLUSH:
        fprintf(f, "\"ev\":\"tlb_flush\",\"cause\":\"%s\",\"lin\":\"0x%08x\",\"entries\":%u}\n",
                flush_causes[ev->flush.cause % PW_FLUSH_NCAUSES], ev->flush.lin, ev->flush.entries);
        break;
    case PW_EV_TLB_STALE:
        fprintf(f, "\"ev\":\"tlb_stale\",\"lin\":\"0x%08x\",\"cached_phys\":\"0x%08x\",\"cached_pte\":\"0x%08x\","
                   "\"current_pte\":\"0x%08x\",\"acc\":\"%s\"}\n",
                ev->stale.lin, ev->stale.cached_phys, ev->stale.cached_pte, ev->stale.current_pte,
                acc_names[ev->stale.acc % 3]);
        break;
    case PW_EV_PAGE_FAULT:
        fprintf(f, "\"ev\":\"page_fault\",\"lin\":\"0x%08x\",\"err\":%u}\n", ev->pf.lin, ev->pf.err);
        break;
    case PW_EV_EXCEPTION:
    case PW_EV_INTERRUPT:
        fprintf(f, "\"ev\":\"%s\",\"vector\":%u,\"err\":%u,\"soft\":%s}\n",
                ev->kind == PW_EV_EXCEPTION ? "exception" : "interrupt", ev->exc.vector,
                ev->exc.has_err ? ev->exc.err : 0, ev->exc.soft ? "true" : "false");
        break;
    case PW_EV_IRET:
        fprintf(f, "\"ev\":\"iret\",\"to\":\"0x%08x\"}\n", ev->iret.to_eip);
        break;
    case PW_EV_CR_WRITE:
        fprintf(f, "\"ev\":\"cr_write\",\"cr\":%u,\"old\":\"0x%08x\",\"new\":\"0x%08x\"}\n", ev->cr.cr,
                ev->cr.old_val, ev->cr.new_val);
        break;
    case PW_EV_INVLPG:
        fprintf(f, "\"ev\":\"invlpg\",\"lin\":\"0x%08x\"}\n", ev->invlpg.lin);
        break;
    case PW_EV_TASK_SWITCH:
        fprintf(f, "\"ev\":\"task_switch\",\"from\":\"0x%04x\",\"to\":\"0x%04x\",\"old_cr3\":\"0x%08x\","
                   "\"new_cr3\":\"0x%08x\"}\n",
                ev->task.from_sel, ev->task.to_sel, ev->task.old_cr3, ev->task.new_cr3);
        break;
    case PW_EV_PORT_IO:
        fprintf(f, "\"ev\":\"port_io\",\"port\":\"0x%04x\",\"size\":%u,\"write\":%s,\"val\":\"0x%08x\"}\n",
                ev->io.port, ev->io.size, ev->io.write ? "true" : "false", ev->io.val);
        break;
    case PW_EV_MEM_WATCH:
        fprintf(f, "\"ev\":\"mem_watch\",\"phys\":\"0x%08x\",\"lin\":\"0x%08x\",\"size\":%u,\"write\":%s,"
                   "\"val\":\"0x%08x\"}\n",
                ev->watch.phys, ev->watch.lin, ev->watch.size, ev->watch.write ? "true" : "false", ev->watch.val);
        break;
    default:
        fprintf(f, "\"ev\":\"unknown\"}\n");
        break;
    }
}

static double ts_us(struct trace *t)
{
    return (double)pc_now_ns(t->pc) / 1000.0;
}

static void chrome_emit(struct trace *t, const char *fmt_head, const char *name, const char *args)
{
    fprintf(t->chrome, "%s{\"name\":\"%s\",%s,\"ts\":%.3f,\"pid\":1,\"tid\":1,\"args\":{%s}}",
            t->chrome_first ? "" : ",\n", name, fmt_head, ts_us(t), args);
    t->chrome_first = false;
}

void trace_sample(struct trace *t)
{
    if (!t->chrome)
        return;
    uint64_t now = pc_now_ns(t->pc);
    if (now < t->next_sample_ns)
        return;
    const struct mmu_tlb_stats st = mmu_stats(&t->pc->mmu), *s = &st;
    uint64_t dl = s->lookups - t->last_lookups, dh = s->hits - t->last_hits;
    char args[128];
    if (dl) {
        snprintf(args, sizeof args, "\"hit %%\":%.2f", 100.0 * (double)dh / (double)dl);
        chrome_emit(t, "\"ph\":\"C\"", "TLB hit rate", args);
    }
    double dt_s = (double)(now - t->last_sample_ns) / 1e9;
    if (dt_s > 0) {
        snprintf(args, sizeof args, "\"faults/s\":%.1f", (double)t->faults_since / dt_s);
        chrome_emit(t, "\"ph\":\"C\"", "page faults per second", args);
    }
    if (guest_refresh(&t->guest)) {
        uint32_t n = t->guest.l.npages, nfree = 0;
        uint16_t counts[4096];
        if (n <= 4096 && guest_read_counts(&t->guest, counts, n) == n) {
            for (uint32_t i = 0; i < n; i++)
                nfree += counts[i] == 0;
            snprintf(args, sizeof args, "\"free\":%u", nfree);
            chrome_emit(t, "\"ph\":\"C\"", "free pages", args);
        }
    }
    t->last_lookups = s->lookups;
    t->last_hits = s->hits;
    t->faults_since = 0;
    t->last_sample_ns = now;
    t->next_sample_ns = now + t->sample_every_ns;
}

static void on_event(void *opaque, const struct pw_event *ev)
{
    struct trace *t = opaque;
    if (t->jsonl)
        jsonl_event(t, ev);
    if (!t->chrome)
        return;
    char args[160];
    switch (ev->kind) {
    case PW_EV_PAGE_FAULT:
        t->faults_since++;
        snprintf(args, sizeof args, "\"lin\":\"0x%08x\",\"err\":%u,\"eip\":\"0x%08x\"", ev->pf.lin, ev->pf.err,
                 t->pc->cpu.insn_eip);
        chrome_emit(t, "\"ph\":\"i\",\"s\":\"g\"", "page fault", args);
        break;
    case PW_EV_TLB_FLUSH:
        snprintf(args, sizeof args, "\"cause\":\"%s\",\"entries\":%u", flush_causes[ev->flush.cause % PW_FLUSH_NCAUSES],
                 ev->flush.entries);
        chrome_emit(t, "\"ph\":\"i\",\"s\":\"g\"", "TLB flush", args);
        break;
    case PW_EV_TASK_SWITCH:
        snprintf(args, sizeof args, "\"from\":\"0x%04x\",\"to\":\"0x%04x\"", ev->task.from_sel, ev->task.to_sel);
        chrome_emit(t, "\"ph\":\"i\",\"s\":\"g\"", "task switch", args);
        break;
    default:
        break;
    }
    trace_sample(t);
}

int trace_open(struct trace *t, struct pc *pc, const struct symtab *syms, const char *jsonl_path,
               const char *chrome_path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->pc = pc;
    t->chrome_first = true;
    t->sample_every_ns = 1000000; /* 1 ms of virtual time */
    guest_init(&t->guest, &pc->cpu, syms);
    if (jsonl_path && !(t->jsonl = fopen(jsonl_path, "w"))) {
        snprintf(err, errlen, "cannot write trace file '%s'", jsonl_path);
        return -1;
    }
    if (chrome_path) {
        if (!(t->chrome = fopen(chrome_path, "w"))) {
            snprintf(err, errlen, "cannot write trace file '%s'", chrome_path);
            trace_close(t);
            return -1;
        }
        fprintf(t->chrome, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    }
    uint32_t mask = 0;
    if (t->jsonl)
        mask = ~0u & ((1u << PW_EV_COUNT) - 1) & ~PW_EV_BIT(PW_EV_PORT_IO);
    if (t->chrome)
        mask |= PW_EV_BIT(PW_EV_PAGE_FAULT) | PW_EV_BIT(PW_EV_TLB_FLUSH) | PW_EV_BIT(PW_EV_TASK_SWITCH);
    if (mask && pw_events_subscribe(&pc->events, mask, on_event, t) < 0) {
        snprintf(err, errlen, "too many event subscribers");
        trace_close(t);
        return -1;
    }
    return 0;
}

void trace_close(struct trace *t)
{
    if (t->pc)
        pw_events_unsubscribe(&t->pc->events, on_event, t);
    if (t->jsonl)
        fclose(t->jsonl);
    if (t->chrome) {
        fprintf(t->chrome, "\n]}\n");
        fclose(t->chrome);
    }
    t->jsonl = t->chrome = NULL;
}
