/* The CPU's life cycle and its step loop.
 *
 * One setjmp per cpu_run()/cpu_step() call: a guest fault anywhere below (decode, memory
 * access, the system half) calls cpu_raise(), which longjmps here; the loop delivers the
 * exception and carries on. Between instructions a single test of c->pending (plus TF)
 * guards everything rare: interrupts, NMI, the interrupt shadow, HLT, stop requests and
 * the debugger hook. */
#include "cpu/cpu.h"

#include <stdio.h>

#include <string.h>

#include "cpu/dcache.h"
#include "cpu/pending.h"


static void recalc_pending(struct cpu *c)
{
    c->pending = (c->pending & PEND_YIELD) | (c->intr ? PEND_INTR : 0) | (c->nmi_pending && !c->nmi_blocked ? PEND_NMI : 0) |
                 (c->stop_request ? PEND_STOP : 0) | (c->hook ? PEND_HOOK : 0) |
                 (c->inhibit_irq ? PEND_SHADOW : 0) | (c->halted ? PEND_HALT : 0);
}

static uint32_t cpu_eip_for_mmu(void *opaque)
{
    return ((struct cpu *)opaque)->insn_eip;
}

int cpu_init(struct cpu *c, int model, struct mmu *mmu, struct pw_events *events,
             const struct cpu_bus_ops *bus)
{
    if (model != CPU_386 && model != CPU_486)
        return -1;
    memset(c, 0, sizeof(*c));
    c->model = model;
    c->mmu = mmu;
    c->events = events;
    c->internal = dc_create();
    if (!c->internal)
        return -1;
    if (bus)
        c->bus = *bus;
    if (mmu) {
        mmu->get_eip = cpu_eip_for_mmu;
        mmu->get_eip_opaque = c;
    }
    cpu_reset(c);
    return 0;
}

void cpu_free(struct cpu *c)
{
    dc_destroy(c->internal);
    c->internal = NULL;
}

/* RESET state: 386 manual 10.1 (table 10-1), 486 manual 10.1. */
void cpu_reset(struct cpu *c)
{
    memset(c->gpr, 0, sizeof(c->gpr));
    c->gpr[R_EDX] = c->model == CPU_486 ? 0x0402 : 0x0308; /* component id, stepping */
    c->eip = 0xFFF0;
    c->eflags = 0x2;
    c->lf.op = LF_NONE;
    for (int s = 0; s < 6; s++) {
        c->seg[s] = (struct cpu_seg){.sel = 0, .base = 0, .limit = 0xFFFF, .attr = 0x93, .valid = true};
    }
    c->seg[SEG_CS] = (struct cpu_seg){.sel = 0xF000, .base = 0xFFFF0000u, .limit = 0xFFFF,
                                      .attr = 0x9B, .valid = true};
    c->gdtr = (struct cpu_dtr){0, 0xFFFF};
    c->idtr = (struct cpu_dtr){0, 0x3FF};
    c->ldtr = (struct cpu_seg){.limit = 0xFFFF, .attr = 0x82, .valid = true};
    c->tr = (struct cpu_seg){.limit = 0xFFFF, .attr = 0x8B, .valid = true};
    c->cr0 = c->model == CPU_486 ? 0x60000010u : 0;
    c->cr2 = c->cr3 = c->cr4 = 0;
    memset(c->dr, 0, sizeof(c->dr));
    c->dr[6] = 0xFFFF0FF0u;
    c->dr[7] = 0x400;
    c->cpl = 0;
    c->halted = false;
    c->nmi_pending = false;
    c->nmi_blocked = false;
    c->inhibit_irq = false;
    c->fault_depth = 0;
    c->shutdown_reason = NULL;
    c->shutdown_msg[0] = 0;
    c->prev_pe = false;
    if (c->mmu) {
        mmu_set_cr0(c->mmu, false, false);
        mmu_set_cr3(c->mmu, 0, PW_FLUSH_API);
    }
    cpu_mode_changed(c);
    recalc_pending(c);
}

void cpu_mode_changed(struct cpu *c)
{
    bool pe = (c->cr0 & CR0_PE) != 0, vm = (c->eflags & FL_VM) != 0;
    c->fw_n = 0; /* CS, CPL or the code size may have changed: reopen the fetch window */
    c->pm_checks = pe && !vm;
    c->code32 = !vm && SEG_ATTR_DB(c->seg[SEG_CS].attr);
    if (!pe)
        c->cpl = 0;
    else if (vm)
        c->cpl = 3;
    else if (c->prev_pe)
        c->cpl = c->seg[SEG_CS].sel & 3; /* in protected mode CS.RPL is the CPL */
    /* else: PE was just set; CPL stays 0 until CS is reloaded (386 manual 10.3) */
    c->prev_pe = pe;
}

void cpu_set_intr(struct cpu *c, bool level)
{
    c->intr = level;
    recalc_pending(c);
}

void cpu_raise_nmi(struct cpu *c)
{
    c->nmi_pending = true;
    recalc_pending(c);
}

void cpu_request_stop(struct cpu *c)
{
    c->stop_request = true;
    recalc_pending(c);
}

void cpu_set_step_hook(struct cpu *c, cpu_step_hook hook, void *opaque)
{
    c->hook = hook;
    c->hook_opaque = opaque;
    recalc_pending(c);
}

/* Core-internal: STI/MOV SS/POP SS shadow and HLT. */
void cpu_set_shadow(struct cpu *c)
{
    c->inhibit_irq = true;
    c->pending |= PEND_SHADOW;
}

void cpu_enter_halt(struct cpu *c)
{
    c->halted = true;
    c->pending |= PEND_HALT;
}

/* Runs one instruction with TF handled: a single-step trap (#DB, DR6.BS) follows an
 * instruction that began with TF set (386 manual 12.3.1.4). */
static void exec_traced(struct cpu *c)
{
    bool tf = (c->eflags & FL_TF) != 0;
    c->insn_eip = c->eip;
    cpu_exec_insn(c);
    c->icount++;
    if (tf) {
        c->dr[6] |= 0x4000;
        c->exc_vec = EXC_DB;
        c->exc_err = CPU_NO_ERR;
        longjmp(*c->fault_jmp, 1);
    }
}

/* The rare work at an instruction boundary. Returns -1 when the caller should go on
 * (an instruction or an interrupt was handled), else the reason to stop. */
enum { BOUNDARY_INSN = -2, BOUNDARY_DONE = -1 };
static int boundary(struct cpu *c, bool first, uint64_t limit, uint64_t *yields)
{
    uint32_t p = c->pending;
    if (p & PEND_YIELD) {
        /* A REP gave the loop a chance to stop: each chunk counts against the budget
         * (not against icount, which counts the REP once, when it retires). */
        c->pending &= ~PEND_YIELD;
        if (c->icount + ++*yields >= limit)
            return CPU_STOP_BUDGET;
        p = c->pending;
        if (!p)
            return BOUNDARY_INSN;
    }
    if (p & PEND_STOP) {
        c->stop_request = false;
        recalc_pending(c);
        return CPU_STOP_REQUEST;
    }
    /* The hook is not asked for the first instruction of a run, so that continuing from a
     * breakpoint moves on. */
    if ((p & PEND_HOOK) && c->hook && !first && !c->halted && c->hook(c->hook_opaque, c))
        return CPU_STOP_REQUEST;
    if (p & PEND_SHADOW) {
        /* The instruction after STI / MOV SS / POP SS runs with interrupts held off. */
        c->inhibit_irq = false;
        recalc_pending(c);
        if (!c->halted)
            return BOUNDARY_INSN;
    }
    if (c->nmi_pending && !c->nmi_blocked) {
        /* Further NMIs are held off until the handler's IRET (386 manual 9.2.1). */
        c->nmi_pending = false;
        c->nmi_blocked = true;
        c->halted = false;
        recalc_pending(c);
        c->insn_eip = c->eip;
        cpu_interrupt(c, EXC_NMI, INT_EXTERNAL, false, 0);
        cpu_mode_changed(c);
        return BOUNDARY_DONE;
    }
    if (c->intr && (c->eflags & FL_IF)) {
        c->halted = false;
        recalc_pending(c);
        uint8_t vec = c->bus.intr_ack ? c->bus.intr_ack(c->bus.opaque) : 0x08;
        c->insn_eip = c->eip;
        cpu_interrupt(c, vec, INT_EXTERNAL, false, 0);
        cpu_mode_changed(c);
        return BOUNDARY_DONE;
    }
    if (c->halted)
        return CPU_STOP_HALT;
    return BOUNDARY_INSN;
}

/* Exception deliveries in a row without a retired instruction that count as a livelock. */
#define CPU_LIVELOCK_DELIVERIES (1u << 20)

static enum cpu_stop run(struct cpu *c, uint64_t limit, bool single)
{
    jmp_buf jb;
    jmp_buf *volatile saved = c->fault_jmp;
    volatile bool first = true;
    volatile uint64_t yields = 0; /* deliveries and REP chunks this run (not retired) */
    c->fault_jmp = &jb;
    recalc_pending(c);
    if (setjmp(jb)) {
        /* A guest fault unwound to here: EIP is already at the faulting instruction (or
         * after it, for traps). */
        if (!cpu_deliver_exception(c, c->exc_vec, c->exc_err)) {
            c->fault_jmp = saved;
            return CPU_STOP_SHUTDOWN;
        }
        c->fault_depth = 0;
        cpu_mode_changed(c);
        /* A handler whose first instruction faults again never retires anything: the
         * machine is stuck for good (hardware would spin forever). Say so and stop. */
        if (c->icount != c->stall_icount) {
            c->stall_icount = c->icount;
            c->stall_count = 0;
        }
        if (++c->stall_count >= CPU_LIVELOCK_DELIVERIES) {
            snprintf(c->shutdown_msg, sizeof c->shutdown_msg,
                     "livelock: exception %d delivered %u times at %04X:%08X without an instruction completing",
                     c->exc_vec, c->stall_count, c->seg[SEG_CS].sel, c->eip);
            c->shutdown_reason = c->shutdown_msg;
            c->fault_jmp = saved;
            return CPU_STOP_SHUTDOWN;
        }
        /* a handler that faults on its first instruction would loop here forever without
         * retiring anything: deliveries count against the budget too */
        if (c->icount + ++yields >= limit) {
            c->fault_jmp = saved;
            return CPU_STOP_BUDGET;
        }
        if (single) {
            c->fault_jmp = saved;
            return CPU_STOP_BUDGET;
        }
    }
    while (c->icount < limit) {
        if (unlikely(boundary_due(c))) {
            uint64_t y = yields;
            int r = boundary(c, first, limit, &y);
            yields = y;
            first = false;
            if (r >= 0) {
                c->fault_jmp = saved;
                return (enum cpu_stop)r;
            }
            if (r == BOUNDARY_INSN)
                exec_traced(c);
            if (single)
                break;
            continue;
        }
        first = false;
        if (single) {
            c->insn_eip = c->eip;
            cpu_exec_insn(c);
            c->icount++;
            break;
        }
        dc_run(c, limit);
    }
    c->fault_jmp = saved;
    return CPU_STOP_BUDGET;
}

enum cpu_stop cpu_run(struct cpu *c, uint64_t limit)
{
    c->icount_limit = limit;
    return run(c, limit, false);
}

enum cpu_stop cpu_step(struct cpu *c)
{
    return run(c, UINT64_MAX, true);
}

uint32_t cpu_seg_lin(const struct cpu *c, int sreg, uint32_t off)
{
    return c->seg[sreg].base + off;
}

bool cpu_peek_lin(struct cpu *c, uint32_t lin, void *dst, uint32_t len)
{
    uint8_t *d = dst;
    while (len) {
        uint32_t phys, pde, pte;
        if (!mmu_probe(c->mmu, lin, PW_ACC_READ, false, &phys, &pde, &pte))
            return false;
        uint32_t n = PAGE_SIZE - (lin & ~PAGE_MASK);
        if (n > len)
            n = len;
        phys_read_block(c->mmu->phys, phys, d, n);
        d += n;
        lin += n;
        len -= n;
    }
    return true;
}

/* Host-side segment load: real/V86 as the hardware does; protected mode reads the
 * descriptor (GDT or LDT by the TI bit) without any check. */
void cpu_set_seg_raw(struct cpu *c, int sreg, uint16_t sel)
{
    struct cpu_seg *s = &c->seg[sreg];
    s->sel = sel;
    if (!cpu_protected(c) || cpu_v86(c)) {
        s->base = (uint32_t)sel << 4;
        s->valid = true;
        if (cpu_v86(c)) {
            s->limit = 0xFFFF;
            s->attr = sreg == SEG_CS ? 0xFB : 0xF3;
        }
    } else {
        uint8_t d[8];
        uint32_t table = (sel & 4) ? c->ldtr.base : c->gdtr.base;
        if ((sel & ~7u) == 0 && !(sel & 4)) {
            s->valid = false;
        } else if (cpu_peek_lin(c, table + (sel & ~7u), d, 8)) {
            uint32_t lo = d[0] | d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
            uint32_t hi = d[4] | d[5] << 8 | (uint32_t)d[6] << 16 | (uint32_t)d[7] << 24;
            s->base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
            uint32_t lim = (lo & 0xFFFF) | (hi & 0x000F0000u);
            s->attr = (uint16_t)((hi >> 8) & 0xF0FF);
            s->limit = SEG_ATTR_G(s->attr) ? (lim << 12) | 0xFFF : lim;
            s->valid = true;
        }
    }
    if (sreg == SEG_CS)
        cpu_mode_changed(c);
}

void cpu_rep_yield(struct cpu *c)
{
    c->pending |= PEND_YIELD;
}

bool cpu_break_wanted(const struct cpu *c)
{
    uint32_t p = c->pending;
    if (!(p & (PEND_INTR | PEND_NMI | PEND_STOP)))
        return false;
    return (p & (PEND_NMI | PEND_STOP)) || (c->eflags & FL_IF);
}
