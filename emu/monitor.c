#include "emu/monitor.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu/disasm.h"
#include "emu/pc.h"
#include "emu/translate.h"
#include "emu/views.h"

/* ---------------------------------------------------------------- parsing helpers ---- */

#define MAX_ARGS 16

static int split(char *line, char **argv)
{
    int n = 0;
    for (char *p = strtok(line, " \t\r\n"); p && n < MAX_ARGS; p = strtok(NULL, " \t\r\n"))
        argv[n++] = p;
    return n;
}

/* A number (C syntax), a register name (eip, esp, cr2, ...) or a symbol. */
static bool value(struct monitor *m, const char *s, uint32_t *v)
{
    char *end;
    if (!s || !*s)
        return false;
    unsigned long long x = strtoull(s, &end, 0);
    if (!*end && x <= 0xFFFFFFFFull) {
        *v = (uint32_t)x;
        return true;
    }
    struct cpu *c = m->cpu;
    static const char *const r[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    for (int i = 0; i < 8; i++)
        if (!strcasecmp(s, r[i])) {
            *v = c->gpr[i];
            return true;
        }
    if (!strcasecmp(s, "eip")) { *v = c->eip; return true; }
    if (!strcasecmp(s, "cr2")) { *v = c->cr2; return true; }
    if (!strcasecmp(s, "cr3")) { *v = c->cr3; return true; }
    if (m->syms && symtab_lookup(m->syms, s, v, NULL) == 0)
        return true;
    return false;
}

static bool range(struct monitor *m, const char *s, uint32_t *lo, uint32_t *hi)
{
    char buf[96];
    snprintf(buf, sizeof buf, "%s", s);
    char *dash = strchr(buf + 1, '-');
    if (dash) {
        *dash = 0;
        return value(m, buf, lo) && value(m, dash + 1, hi) && *lo <= *hi;
    }
    if (!value(m, buf, lo))
        return false;
    *hi = *lo;
    return true;
}

/* ---------------------------------------------------------------- stopping ---------- */

static int current_task_slot(struct monitor *m)
{
    struct guest_task t[64];
    int n = guest_read_tasks(&m->guest, t, 64);
    for (int i = 0; i < n; i++)
        if (t[i].current)
            return t[i].slot;
    return -1;
}

static bool task_matches(struct monitor *m, const struct breakpoint *b)
{
    if (b->cr3 && (m->cpu->cr3 & PAGE_MASK) != (b->cr3 & PAGE_MASK))
        return false;
    if (b->ldt && m->cpu->ldtr.sel != b->ldt)
        return false;
    return b->task < 0 || current_task_slot(m) == b->task;
}

static void stop_now(struct monitor *m, struct breakpoint *b, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void stop_now(struct monitor *m, struct breakpoint *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int off = 0;
    if (b) {
        b->hits++;
        off = snprintf(m->stop_why, sizeof m->stop_why, "breakpoint %d: ", b->id);
    }
    vsnprintf(m->stop_why + off, sizeof m->stop_why - (size_t)off, fmt, ap);
    va_end(ap);
    m->stopped = true;
    pc_request_stop(m->pc, PC_STOP_BREAK, NULL);
    if (b && b->temp)
        b->kind = (enum bp_kind) - 1; /* swept after the stop */
}

static void sweep_temp(struct monitor *m)
{
    int j = 0;
    for (int i = 0; i < m->nbp; i++)
        if ((int)m->bp[i].kind >= 0)
            m->bp[j++] = m->bp[i];
    m->nbp = j;
}

static void record_fault(struct monitor *m, uint32_t lin, uint32_t err)
{
    struct fault_record *r = &m->faults[m->fault_head];
    fault_capture(r, m->cpu, &m->guest, lin, err);
    m->last_fault = r;
    m->fault_head = (m->fault_head + 1) % MON_FAULT_LOG;
    if (m->nfaults < MON_FAULT_LOG)
        m->nfaults++;
}

static void on_event(void *opaque, const struct pw_event *ev)
{
    struct monitor *m = opaque;
    struct cpu *c = m->cpu;
    switch (ev->kind) {
    case PW_EV_PAGE_FAULT:
        record_fault(m, ev->pf.lin, ev->pf.err);
        break;
    case PW_EV_IRET:
        if (m->finishing && ev->iret.to_eip == m->fin.eip && c->seg[SEG_CS].sel == m->fin.cs) {
            m->finishing = false;
            stop_now(m, NULL, "the page-fault handler returned to EIP %08x", ev->iret.to_eip);
        }
        break;
    case PW_EV_TLB_FILL: m->fin_fills++; break;
    case PW_EV_TLB_EVICT: m->fin_evicts++; break;
    case PW_EV_TLB_FLUSH:
        m->fin_flushes++;
        m->fin_flushed += ev->flush.entries;
        break;
    default:
        break;
    }
    for (int i = 0; i < m->nbp; i++) {
        struct breakpoint *b = &m->bp[i];
        switch (b->kind) {
        case BP_FAULT:
            if (ev->kind == PW_EV_PAGE_FAULT && (ev->pf.err & b->err_mask) == b->err_val && ev->pf.lin >= b->lo &&
                ev->pf.lin <= b->hi && task_matches(m, b))
                stop_now(m, b, "page fault at linear %08x, error code %u (stopped at the handler's first "
                               "instruction)", ev->pf.lin, ev->pf.err);
            break;
        case BP_CR3:
            if (ev->kind == PW_EV_CR_WRITE && ev->cr.cr == 3 && task_matches(m, b))
                stop_now(m, b, "CR3 written: %08x -> %08x", ev->cr.old_val, ev->cr.new_val);
            break;
        case BP_INVLPG:
            if (ev->kind == PW_EV_INVLPG && task_matches(m, b))
                stop_now(m, b, "INVLPG %08x", ev->invlpg.lin);
            break;
        case BP_TASKSWITCH:
            if (ev->kind == PW_EV_TASK_SWITCH && task_matches(m, b))
                stop_now(m, b, "task switch %04x -> %04x (CR3 %08x -> %08x)", ev->task.from_sel, ev->task.to_sel,
                         ev->task.old_cr3, ev->task.new_cr3);
            break;
        case BP_EXC:
            if ((ev->kind == PW_EV_EXCEPTION) && (b->vec < 0 || ev->exc.vector == b->vec) && task_matches(m, b))
                stop_now(m, b, "exception %u at EIP %08x (error code %08x)", ev->exc.vector, ev->exc.eip,
                         ev->exc.has_err ? ev->exc.err : 0);
            break;
        case BP_STALE:
            if (ev->kind == PW_EV_TLB_STALE && task_matches(m, b))
                stop_now(m, b, "stale TLB use (--tlb-check): %s of linear %08x at EIP %08x went through the cached "
                               "entry -> frame %08x (PTE %08x), but the tables now say PTE %08x",
                         ev->stale.acc == PW_ACC_WRITE ? "write" : ev->stale.acc == PW_ACC_FETCH ? "fetch" : "read",
                         ev->stale.lin, ev->stale.eip, ev->stale.cached_phys, ev->stale.cached_pte,
                         ev->stale.current_pte);
            break;
        case BP_LIN:
        case BP_PHYS:
            if (ev->kind == PW_EV_MEM_WATCH && ((ev->watch.write && b->wr) || (!ev->watch.write && b->rd))) {
                uint32_t a = b->kind == BP_LIN ? ev->watch.lin : ev->watch.phys;
                if (a + ev->watch.size > b->lo && a <= b->hi && task_matches(m, b))
                    stop_now(m, b, "%s of %u bytes at %s %08x (value %08x) by EIP %08x",
                             ev->watch.write ? "write" : "read", ev->watch.size, b->kind == BP_LIN ? "linear" : "physical",
                             a, ev->watch.val, c->insn_eip);
            }
            break;
        default:
            break;
        }
    }
}

/* Before each instruction, only while EIP or instruction-count breakpoints exist. */
static bool step_hook(void *opaque, struct cpu *c)
{
    struct monitor *m = opaque;
    uint32_t lin = c->seg[SEG_CS].base + c->eip;
    for (int i = 0; i < m->nbp; i++) {
        struct breakpoint *b = &m->bp[i];
        if (b->kind == BP_EIP && lin == b->lo && task_matches(m, b)) {
            stop_now(m, b, "EIP %08x", c->eip);
            return true;
        }
        if (b->kind == BP_ICOUNT && c->icount >= b->lo && task_matches(m, b)) {
            stop_now(m, b, "instruction count %llu", (unsigned long long)c->icount);
            b->kind = (enum bp_kind) - 1;
            return true;
        }
    }
    return false;
}

static void update_hook(struct monitor *m)
{
    bool want = false;
    for (int i = 0; i < m->nbp; i++)
        want |= m->bp[i].kind == BP_EIP || m->bp[i].kind == BP_ICOUNT;
    if (want != m->hook_on) {
        cpu_set_step_hook(m->cpu, want ? step_hook : NULL, want ? m : NULL);
        m->hook_on = want;
    }
}

/* ---------------------------------------------------------------- running ----------- */

void monitor_where(struct monitor *m)
{
    view_disas(m->cpu, m->syms, m->cpu->eip, false, 1, m->out);
}

/* Runs and reports. Returns MON_QUIT when the machine ended. */
static enum monitor_result run_for(struct monitor *m, uint64_t n, bool quiet)
{
    if (!m->run) {
        fprintf(m->out, "the machine cannot run from here\n");
        return MON_ERROR;
    }
    m->stopped = false;
    m->stop_why[0] = 0;
    int ended = m->run(m->run_opaque, n);
    sweep_temp(m);
    update_hook(m);
    if (ended)
        return MON_QUIT;
    if (m->stop_why[0])
        fprintf(m->out, "stopped: %s\n", m->stop_why);
    if (!quiet || m->stop_why[0])
        monitor_where(m);
    return MON_OK;
}

static struct breakpoint *add_bp(struct monitor *m, enum bp_kind kind)
{
    if (m->nbp >= MON_MAX_BP) {
        fprintf(m->out, "too many breakpoints (%d)\n", MON_MAX_BP);
        return NULL;
    }
    struct breakpoint *b = &m->bp[m->nbp++];
    memset(b, 0, sizeof *b);
    b->id = ++m->next_id;
    b->kind = kind;
    b->task = -1;
    b->vec = -1;
    b->hi = 0xFFFFFFFFu;
    return b;
}

static void finish_fault_report(struct monitor *m)
{
    const struct fault_record *f = &m->fin;
    uint32_t phys, pde, pte;
    mmu_probe(m->cpu->mmu, f->lin, PW_ACC_READ, false, &phys, &pde, &pte);
    char before[64], after[64];
    pte_bits_str(f->pte, before, sizeof before);
    pte_bits_str(pte, after, sizeof after);
    fprintf(m->out, "handled in %llu instructions\n", (unsigned long long)(m->cpu->icount - f->icount));
    fprintf(m->out, "  PTE for %08x: %08x (%s) -> %08x (%s)\n", f->lin, f->pte, before, pte, after);
    struct guest *g = &m->guest;
    if (guest_refresh(g)) {
        uint32_t frames[2] = {f->pte & PAGE_MASK, pte & PAGE_MASK};
        for (int k = 0; k < 2; k++) {
            if (k == 1 && frames[1] == frames[0])
                break;
            if (!((k ? pte : f->pte) & PTE_P) || frames[k] < g->l.low_mem)
                continue;
            uint32_t idx = (frames[k] - g->l.low_mem) >> PAGE_SHIFT;
            uint8_t b[2] = {0, 0};
            if (idx < g->l.npages && cpu_peek_lin(m->cpu, g->l.map_addr + idx * g->l.map_elem, b, g->l.map_elem)) {
                int now = g->l.map_elem == 1 ? b[0] : b[0] | b[1] << 8;
                if (k == 0 && f->count >= 0)
                    fprintf(m->out, "  mem_map[frame %08x]: %d -> %d\n", frames[k], f->count, now);
                else
                    fprintf(m->out, "  mem_map[frame %08x]: %s -> %d\n", frames[k], k ? "(new frame)" : "?", now);
            }
        }
    }
    fprintf(m->out, "  TLB during the handler: %llu fills, %llu evictions, %llu flushes (%llu entries dropped)\n",
            (unsigned long long)m->fin_fills, (unsigned long long)m->fin_evicts, (unsigned long long)m->fin_flushes,
            (unsigned long long)m->fin_flushed);
}

/* ---------------------------------------------------------------- commands ---------- */

static void help(FILE *out)
{
    fprintf(out,
            "running:  step|s [n]   next|n   continue|c   until-fault|uf   finish-fault|ff   quit|q\n"
            "break:    break|b fault [w|r] [u|k] [p|np] [ADDR[-ADDR]] [task N] [cr3 X] [ldt SEL]\n"
            "          b cr3 | b invlpg | b taskswitch | b exc [N] | b eip ADDR | b icount N | b stale\n"
            "          b lin ADDR[-ADDR] [r|w|rw] | b phys ADDR[-ADDR] [r|w|rw]   (task/cr3/ldt filters on all)\n"
            "          breaks|bl   delete|d N\n"
            "looking:  info|i regs|cr|gdt|ldt|idt|tss|tlb|tlbstats|pagedir|pagetable N|memmap|tasks|fault|faults\n"
            "          x ADDR [LEN]  (linear)   xp ADDR [LEN]  (physical)   disas|u [ADDR] [N]\n"
            "          translate|t SEL:OFF|SREG:OFF|LINEAR   history|hist LINEAR|phys ADDR   memcheck\n"
            "          snapshot FILE.png  (the overlay picture, also without a window)\n"
            "numbers are C syntax (0x...); registers (eip, esp, cr2...) and kernel symbols work too\n");
}

static enum monitor_result cmd_break(struct monitor *m, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(m->out, "break: what? (help)\n");
        return MON_ERROR;
    }
    const char *k = argv[1];
    struct breakpoint *b;
    int i = 2;
    if (!strcmp(k, "fault") || !strcmp(k, "pf")) {
        if (!(b = add_bp(m, BP_FAULT)))
            return MON_ERROR;
        for (; i < argc; i++) {
            const char *a = argv[i];
            if (!strcmp(a, "w")) { b->err_mask |= PF_ERR_W; b->err_val |= PF_ERR_W; }
            else if (!strcmp(a, "r")) { b->err_mask |= PF_ERR_W; b->err_val &= ~PF_ERR_W; }
            else if (!strcmp(a, "u")) { b->err_mask |= PF_ERR_U; b->err_val |= PF_ERR_U; }
            else if (!strcmp(a, "k")) { b->err_mask |= PF_ERR_U; b->err_val &= ~PF_ERR_U; }
            else if (!strcmp(a, "p")) { b->err_mask |= PF_ERR_P; b->err_val |= PF_ERR_P; }
            else if (!strcmp(a, "np")) { b->err_mask |= PF_ERR_P; b->err_val &= ~PF_ERR_P; }
            else if (!strcmp(a, "task") || !strcmp(a, "cr3") || !strcmp(a, "ldt")) break;
            else if (!range(m, a, &b->lo, &b->hi)) {
                fprintf(m->out, "break fault: bad filter '%s'\n", a);
                m->nbp--;
                return MON_ERROR;
            }
        }
    } else if (!strcmp(k, "cr3")) {
        b = add_bp(m, BP_CR3);
    } else if (!strcmp(k, "invlpg")) {
        b = add_bp(m, BP_INVLPG);
    } else if (!strcmp(k, "stale")) {
        if (!m->cpu->mmu->tlb_check)
            fprintf(m->out, "note: stale uses are looked for only with --tlb-check\n");
        b = add_bp(m, BP_STALE);
    } else if (!strcmp(k, "taskswitch") || !strcmp(k, "ts")) {
        b = add_bp(m, BP_TASKSWITCH);
    } else if (!strcmp(k, "exc")) {
        if ((b = add_bp(m, BP_EXC)) && i < argc && isdigit((unsigned char)argv[i][0]))
            b->vec = atoi(argv[i++]);
    } else if (!strcmp(k, "eip") || !strcmp(k, "icount")) {
        uint32_t v;
        if (i >= argc || !value(m, argv[i], &v)) {
            fprintf(m->out, "break %s: needs a value\n", k);
            return MON_ERROR;
        }
        i++;
        if ((b = add_bp(m, !strcmp(k, "eip") ? BP_EIP : BP_ICOUNT)))
            b->lo = (!strcmp(k, "eip") ? m->cpu->seg[SEG_CS].base : 0) + v;
    } else if (!strcmp(k, "lin") || !strcmp(k, "phys")) {
        uint32_t lo, hi;
        if (i >= argc || !range(m, argv[i], &lo, &hi)) {
            fprintf(m->out, "break %s: needs ADDR or ADDR-ADDR\n", k);
            return MON_ERROR;
        }
        i++;
        if (!(b = add_bp(m, !strcmp(k, "lin") ? BP_LIN : BP_PHYS)))
            return MON_ERROR;
        b->lo = lo;
        b->hi = hi;
        b->rd = false;
        b->wr = true;
        if (i < argc && (!strcmp(argv[i], "r") || !strcmp(argv[i], "w") || !strcmp(argv[i], "rw"))) {
            b->rd = strchr(argv[i], 'r') != NULL;
            b->wr = strchr(argv[i], 'w') != NULL;
            i++;
        }
        /* Arm the frames: a linear watch is armed on the frames it maps now. */
        for (uint32_t a = lo & PAGE_MASK;; a += PAGE_SIZE) {
            uint32_t phys = a, pde, pte;
            if (b->kind == BP_PHYS || mmu_probe(m->cpu->mmu, a, PW_ACC_READ, false, &phys, &pde, &pte))
                phys_set_frame_flags(m->cpu->mmu->phys, phys & PAGE_MASK, (b->rd ? PHYS_F_WATCH_R : 0) | PHYS_F_WATCH_W, 0);
            if (a >= (hi & PAGE_MASK))
                break;
        }
    } else {
        fprintf(m->out, "break: unknown kind '%s' (help)\n", k);
        return MON_ERROR;
    }
    if (!b)
        return MON_ERROR;
    for (; i + 1 < argc; i += 2) {
        uint32_t v;
        if (!value(m, argv[i + 1], &v)) {
            fprintf(m->out, "break: bad value '%s'\n", argv[i + 1]);
            return MON_ERROR;
        }
        if (!strcmp(argv[i], "task")) b->task = (int)v;
        else if (!strcmp(argv[i], "cr3")) b->cr3 = v;
        else if (!strcmp(argv[i], "ldt")) b->ldt = (uint16_t)v;
        else {
            fprintf(m->out, "break: unknown filter '%s'\n", argv[i]);
            return MON_ERROR;
        }
    }
    update_hook(m);
    fprintf(m->out, "breakpoint %d set\n", b->id);
    return MON_OK;
}

static void list_bps(struct monitor *m)
{
    static const char *const names[] = {"fault", "cr3", "invlpg", "taskswitch", "exc", "lin", "phys", "eip", "icount", "stale"};
    if (!m->nbp)
        fprintf(m->out, "no breakpoints\n");
    for (int i = 0; i < m->nbp; i++) {
        const struct breakpoint *b = &m->bp[i];
        fprintf(m->out, "%3d %-10s", b->id, names[b->kind]);
        if (b->kind == BP_FAULT || b->kind == BP_LIN || b->kind == BP_PHYS)
            fprintf(m->out, " %08x-%08x", b->lo, b->hi);
        if (b->kind == BP_FAULT && b->err_mask)
            fprintf(m->out, " err&%x==%x", b->err_mask, b->err_val);
        if (b->kind == BP_EIP || b->kind == BP_ICOUNT)
            fprintf(m->out, " %08x", b->lo);
        if (b->kind == BP_EXC && b->vec >= 0)
            fprintf(m->out, " vector %d", b->vec);
        if (b->task >= 0) fprintf(m->out, " task %d", b->task);
        if (b->cr3) fprintf(m->out, " cr3 %08x", b->cr3);
        if (b->ldt) fprintf(m->out, " ldt %04x", b->ldt);
        fprintf(m->out, "  hits %llu\n", (unsigned long long)b->hits);
    }
}

static enum monitor_result cmd_info(struct monitor *m, int argc, char **argv)
{
    struct cpu *c = m->cpu;
    const char *w = argc > 1 ? argv[1] : "regs";
    if (!strcmp(w, "regs") || !strcmp(w, "r")) view_regs(c, m->syms, m->out);
    else if (!strcmp(w, "cr")) view_cr(c, m->out);
    else if (!strcmp(w, "gdt")) view_gdt(c, m->out);
    else if (!strcmp(w, "ldt")) view_ldt(c, m->out);
    else if (!strcmp(w, "idt")) view_idt(c, m->out);
    else if (!strcmp(w, "tss")) view_tss(c, m->out);
    else if (!strcmp(w, "tlb")) view_tlb(c, m->out);
    else if (!strcmp(w, "tlbstats")) view_tlbstats(c, m->out);
    else if (!strcmp(w, "pagedir") || !strcmp(w, "pd")) view_pagedir(c, m->out);
    else if (!strcmp(w, "pagetable") || !strcmp(w, "pt")) {
        uint32_t n;
        if (argc < 3 || !value(m, argv[2], &n)) {
            fprintf(m->out, "info pagetable N: N is a page-directory index (0..1023)\n");
            return MON_ERROR;
        }
        view_pagetable(c, n, m->out);
    } else if (!strcmp(w, "memmap") || !strcmp(w, "mm")) view_memmap(&m->guest, m->out);
    else if (!strcmp(w, "tasks")) view_tasks(&m->guest, m->out);
    else if (!strcmp(w, "fault")) {
        if (!m->last_fault)
            fprintf(m->out, "no page fault seen since the monitor started\n");
        else
            fault_explain(m->last_fault, m->out);
    } else if (!strcmp(w, "faults")) {
        if (!m->nfaults)
            fprintf(m->out, "no page fault seen since the monitor started\n");
        for (int k = m->nfaults; k > 0; k--)
            fault_explain(&m->faults[(m->fault_head + MON_FAULT_LOG - k) % MON_FAULT_LOG], m->out);
    } else {
        fprintf(m->out, "info: unknown view '%s' (help)\n", w);
        return MON_ERROR;
    }
    return MON_OK;
}

enum monitor_result monitor_command(struct monitor *m, const char *line)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", line);
    char *hash = strchr(buf, '#');
    if (hash)
        *hash = 0;
    char *argv[MAX_ARGS];
    int argc = split(buf, argv);
    if (!argc)
        return MON_OK;
    const char *cmd = argv[0];
    struct cpu *c = m->cpu;

    if (!strcmp(cmd, "help") || !strcmp(cmd, "h") || !strcmp(cmd, "?")) {
        help(m->out);
    } else if (!strcmp(cmd, "quit") || !strcmp(cmd, "q")) {
        return MON_QUIT;
    } else if (!strcmp(cmd, "step") || !strcmp(cmd, "s") || !strcmp(cmd, "si")) {
        uint32_t n = 1;
        if (argc > 1 && !value(m, argv[1], &n)) {
            fprintf(m->out, "step: bad count '%s'\n", argv[1]);
            return MON_ERROR;
        }
        return run_for(m, n, false);
    } else if (!strcmp(cmd, "next") || !strcmp(cmd, "n")) {
        uint8_t code[16];
        int have = 0;
        while (have < 15 && cpu_peek_lin(c, c->seg[SEG_CS].base + c->eip + (uint32_t)have, &code[have], 1))
            have++;
        char text[96];
        int bits = (cpu_protected(c) && !cpu_v86(c) && SEG_ATTR_DB(c->seg[SEG_CS].attr)) ? 32 : 16;
        int len = disasm_one(code, (size_t)have, c->eip, bits, text, sizeof text);
        if (len && (!strncmp(text, "call", 4) || !strncmp(text, "int", 3) || !strncmp(text, "lcall", 5))) {
            struct breakpoint *b = add_bp(m, BP_EIP);
            if (!b)
                return MON_ERROR;
            b->lo = c->seg[SEG_CS].base + c->eip + (uint32_t)len;
            b->temp = true;
            update_hook(m);
            return run_for(m, UINT64_MAX, false);
        }
        return run_for(m, 1, false);
    } else if (!strcmp(cmd, "continue") || !strcmp(cmd, "c")) {
        return run_for(m, UINT64_MAX, false);
    } else if (!strcmp(cmd, "until-fault") || !strcmp(cmd, "uf")) {
        struct breakpoint *b = add_bp(m, BP_FAULT);
        if (!b)
            return MON_ERROR;
        b->temp = true;
        enum monitor_result r = run_for(m, UINT64_MAX, true);
        if (r == MON_OK && m->last_fault && m->stopped)
            fault_explain(m->last_fault, m->out);
        return r;
    } else if (!strcmp(cmd, "finish-fault") || !strcmp(cmd, "ff")) {
        if (!m->last_fault) {
            fprintf(m->out, "finish-fault: no page fault to finish (use until-fault first)\n");
            return MON_ERROR;
        }
        m->fin = *m->last_fault;
        m->finishing = true;
        m->fin_fills = m->fin_flushes = m->fin_flushed = m->fin_evicts = 0;
        enum monitor_result r = run_for(m, UINT64_MAX, false);
        if (r == MON_OK && !m->finishing)
            finish_fault_report(m);
        m->finishing = false;
        return r;
    } else if (!strcmp(cmd, "break") || !strcmp(cmd, "b")) {
        return cmd_break(m, argc, argv);
    } else if (!strcmp(cmd, "breaks") || !strcmp(cmd, "bl")) {
        list_bps(m);
    } else if (!strcmp(cmd, "delete") || !strcmp(cmd, "d")) {
        int id = argc > 1 ? atoi(argv[1]) : 0;
        for (int i = 0; i < m->nbp; i++)
            if (m->bp[i].id == id) {
                m->bp[i].kind = (enum bp_kind) - 1;
                sweep_temp(m);
                update_hook(m);
                fprintf(m->out, "breakpoint %d deleted\n", id);
                return MON_OK;
            }
        fprintf(m->out, "delete: no breakpoint %s\n", argc > 1 ? argv[1] : "(none given)");
        return MON_ERROR;
    } else if (!strcmp(cmd, "info") || !strcmp(cmd, "i")) {
        return cmd_info(m, argc, argv);
    } else if (!strcmp(cmd, "x") || !strcmp(cmd, "xp")) {
        uint32_t a, len = 64;
        if (argc < 2 || !value(m, argv[1], &a) || (argc > 2 && !value(m, argv[2], &len))) {
            fprintf(m->out, "%s ADDR [LEN]\n", cmd);
            return MON_ERROR;
        }
        view_dump(c, a, len, cmd[1] == 'p', m->out);
    } else if (!strcmp(cmd, "disas") || !strcmp(cmd, "u")) {
        uint32_t a = c->eip, n = 8;
        if ((argc > 1 && !value(m, argv[1], &a)) || (argc > 2 && !value(m, argv[2], &n))) {
            fprintf(m->out, "disas [ADDR] [N]\n");
            return MON_ERROR;
        }
        view_disas(c, m->syms, a, false, (int)(n > 200 ? 200 : n), m->out);
    } else if (!strcmp(cmd, "translate") || !strcmp(cmd, "t")) {
        if (argc < 2) {
            fprintf(m->out, "translate SEL:OFFSET | SREG:OFFSET | LINEAR\n");
            return MON_ERROR;
        }
        /* symbols allowed for a plain linear address */
        uint32_t v;
        char tmp[32];
        const char *arg = argv[1];
        if (!strchr(arg, ':') && value(m, arg, &v)) {
            snprintf(tmp, sizeof tmp, "0x%08x", v);
            arg = tmp;
        }
        return translate_explain(c, arg, m->out) == 0 ? MON_OK : MON_ERROR;
    } else if (!strcmp(cmd, "history") || !strcmp(cmd, "hist")) {
        uint32_t a;
        bool phys = argc > 2 && !strcmp(argv[1], "phys");
        if (argc < 2 || !value(m, argv[phys ? 2 : 1], &a)) {
            fprintf(m->out, "history LINEAR | history phys ADDR\n");
            return MON_ERROR;
        }
        if (!m->hist_on) {
            fprintf(m->out, "history: not recording (start with --monitor or --script)\n");
            return MON_ERROR;
        }
        if (phys) {
            fprintf(m->out, "stores to physical %08x:\n", a);
            pt_history_print(&m->hist, m->syms, a & ~3u, 4, 10, m->out);
        } else {
            uint32_t pd = c->cr3 & PAGE_MASK, pde_addr = pd + (a >> 22) * 4;
            uint32_t pde = phys_read(c->mmu->phys, pde_addr, 4);
            fprintf(m->out, "PDE for %08x at physical %08x (now %08x):\n", a, pde_addr, pde);
            pt_history_print(&m->hist, m->syms, pde_addr, 4, 5, m->out);
            if (pde & PTE_P) {
                uint32_t pte_addr = (pde & PAGE_MASK) + ((a >> 12) & 0x3FF) * 4;
                fprintf(m->out, "PTE for %08x at physical %08x (now %08x):\n", a, pte_addr,
                        phys_read(c->mmu->phys, pte_addr, 4));
                pt_history_print(&m->hist, m->syms, pte_addr, 4, 10, m->out);
            }
        }
    } else if (!strcmp(cmd, "snapshot")) {
        if (argc < 2) {
            fprintf(m->out, "snapshot FILE.png\n");
            return MON_ERROR;
        }
        if (!m->snapshot || m->snapshot(m->snapshot_opaque, argv[1])) {
            fprintf(m->out, "snapshot: cannot write %s\n", argv[1]);
            return MON_ERROR;
        }
        fprintf(m->out, "overlay written to %s\n", argv[1]);
    } else if (!strcmp(cmd, "memcheck")) {
        guest_memcheck(&m->guest, m->out);
    } else {
        fprintf(m->out, "unknown command '%s' (help)\n", cmd);
        return MON_ERROR;
    }
    return MON_OK;
}

enum monitor_result monitor_script(struct monitor *m, FILE *f, bool echo)
{
    char line[512];
    enum monitor_result r = MON_OK;
    while (fgets(line, sizeof line, f)) {
        if (echo) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = 0;
            if (line[0] && line[0] != '#')
                fprintf(m->out, "(pagewalk) %s\n", line);
        }
        r = monitor_command(m, line);
        if (r == MON_QUIT)
            break;
    }
    return r;
}

int monitor_init(struct monitor *m, struct pc *pc, const struct symtab *syms, FILE *out)
{
    memset(m, 0, sizeof *m);
    m->pc = pc;
    m->cpu = &pc->cpu;
    m->syms = syms;
    m->out = out;
    guest_init(&m->guest, m->cpu, syms);
    m->hist_on = pt_history_init(&m->hist, m->cpu) == 0;
    return pw_events_subscribe(m->cpu->events,
                               PW_EV_BIT(PW_EV_PAGE_FAULT) | PW_EV_BIT(PW_EV_CR_WRITE) | PW_EV_BIT(PW_EV_INVLPG) |
                                   PW_EV_BIT(PW_EV_TASK_SWITCH) | PW_EV_BIT(PW_EV_EXCEPTION) |
                                   PW_EV_BIT(PW_EV_MEM_WATCH) | PW_EV_BIT(PW_EV_IRET) | PW_EV_BIT(PW_EV_TLB_FILL) |
                                   PW_EV_BIT(PW_EV_TLB_EVICT) | PW_EV_BIT(PW_EV_TLB_FLUSH) |
                                   PW_EV_BIT(PW_EV_TLB_STALE),
                               on_event, m);
}

void monitor_free(struct monitor *m)
{
    pw_events_unsubscribe(m->cpu->events, on_event, m);
    if (m->hook_on)
        cpu_set_step_hook(m->cpu, NULL, NULL);
    if (m->hist_on)
        pt_history_free(&m->hist);
}

void monitor_set_runner(struct monitor *m, monitor_run_fn run, void *opaque)
{
    m->run = run;
    m->run_opaque = opaque;
}
