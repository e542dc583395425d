/* The device under test: pagewalk's cpu/ on mmu/ with 1 MiB of RAM and no devices (ports read
 * as open bus). State is set through struct cpu's fields directly, the way the issue asks:
 * 32-bit protected mode (CS 32-bit flat code, data segments of 4 GiB with the small bases of
 * gen.h, CPL 0, paging off) or real mode. Exceptions are seen through the event bus (PW_EV_EXCEPTION / PW_EV_INTERRUPT). */
#include "tests/diff/runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/internal.h"
#include "mmu/mmu.h"
#include "mmu/phys.h"

#define PW_RAM (1u << 20)

struct pwr {
    struct pw_events ev;
    struct phys phys;
    struct mmu mmu;
    struct cpu cpu;
    bool code32;
    int vec;
};

static uint32_t io_read(void *o, uint16_t port, unsigned size) { return 0xFFFFFFFFu >> (32 - 8 * size); }
static void io_write(void *o, uint16_t port, unsigned size, uint32_t val) {}
static uint8_t intr_ack(void *o) { return 0x08; }

static void on_event(void *opaque, const struct pw_event *ev)
{
    struct pwr *p = opaque;
    if (p->vec < 0)
        p->vec = ev->exc.vector;
}

/* Hidden descriptor caches as a flat-model GDT would leave them (386 manual 5.1, 10.4):
 * base 0, limit 4 GiB (G=1), 32-bit code read/execute and data read/write, DPL 0. */
static void set_flat(struct cpu *c)
{
    for (int s = 0; s < 6; s++) {
        struct cpu_seg *sg = &c->seg[s];
        sg->sel = diff_sel_prot[s];
        sg->base = diff_gdt_base(sg->sel);
        sg->limit = 0xFFFFFFFFu;
        sg->attr = s == SEG_CS ? 0xC09B : 0xC093;
        sg->valid = true;
    }
    c->cr0 = CR0_PE | CR0_ET;
    c->cpl = 0;
}

static int pwr_load(struct runner *r, const struct gen_case *gc, const struct diff_regs *regs,
                    const uint8_t *data)
{
    struct pwr *p = r->impl;
    struct cpu *c = &p->cpu;
    memcpy(p->phys.ram + DIFF_DATA_BASE, data, DIFF_DATA_SIZE);
    memset(p->phys.ram + DIFF_CODE_BASE, 0xF4, DIFF_CODE_MAX + 16);
    memcpy(p->phys.ram + DIFF_CODE_BASE, gc->code, gc->len);
    cpu_reset(c);
    if (p->code32) {
        uint64_t gdt[DIFF_GDT_N];
        for (int i = 0; i < DIFF_GDT_N; i++)
            gdt[i] = diff_gdt_entry(i);
        memcpy(p->phys.ram + DIFF_GDT_BASE, gdt, sizeof gdt);
        c->gdtr.base = DIFF_GDT_BASE;
        c->gdtr.limit = sizeof gdt - 1;
        set_flat(c);
    } else {
        c->cr0 = CR0_ET;
        for (int s = 0; s < 6; s++)
            cpu_set_seg_raw(c, s, diff_sel_real[s]);
    }
    cpu_mode_changed(c);
    mmu_flush_fast(&p->mmu);
    r->set(r, regs);
    return 0;
}

static void pwr_set(struct runner *r, const struct diff_regs *in)
{
    struct pwr *p = r->impl;
    memcpy(p->cpu.gpr, in->gpr, sizeof in->gpr);
    p->cpu.eip = in->eip;
    cpu_set_eflags(&p->cpu, in->eflags);
}

static void pwr_get(struct runner *r, struct diff_regs *out)
{
    struct pwr *p = r->impl;
    memcpy(out->gpr, p->cpu.gpr, sizeof out->gpr);
    out->eip = p->cpu.eip;
    out->eflags = cpu_get_eflags(&p->cpu);
}

/* A shutdown or a HLT ends a case as a failure (generated code never halts): says which. */
static bool stopped_for_good(const struct cpu *c, enum cpu_stop st, char *err, unsigned errlen)
{
    if (st == CPU_STOP_SHUTDOWN)
        snprintf(err, errlen, "pagewalk: shutdown: %s", c->shutdown_reason ? c->shutdown_reason : "?");
    else if (st == CPU_STOP_HALT)
        snprintf(err, errlen, "pagewalk: halted at eip %08x", c->eip);
    else
        return false;
    return true;
}

static int pwr_step(struct runner *r, int *vec, char *err, unsigned errlen)
{
    struct pwr *p = r->impl;
    struct cpu *c = &p->cpu;
    uint32_t start = c->eip;
    p->vec = -1;
    for (int iter = 0; iter < 1000000; iter++) {
        enum cpu_stop st = cpu_step(c);
        if (p->vec >= 0) {
            *vec = p->vec;
            return 0;
        }
        if (stopped_for_good(c, st, err, errlen))
            return -1;
        if (c->eip != start)
            break;
    }
    *vec = DIFF_NO_EXC;
    return 0;
}

/* n instructions through cpu_run, the block run loop (cpu/dc_exec.c). cpu_run may return
 * short of its limit: a REP string instruction yields between chunks, and each chunk
 * counts against the budget; the loop goes on until n have retired. */
static int pwr_run(struct runner *r, uint32_t n, int *vec, char *err, unsigned errlen)
{
    struct pwr *p = r->impl;
    struct cpu *c = &p->cpu;
    uint64_t target = c->icount + n;
    p->vec = -1;
    for (int iter = 0; iter < 1000000 && c->icount < target; iter++) {
        enum cpu_stop st = cpu_run(c, target);
        if (p->vec >= 0)
            break;
        if (stopped_for_good(c, st, err, errlen))
            return -1;
    }
    if (p->vec < 0 && c->icount != target) {
        snprintf(err, errlen, "pagewalk: cpu_run stopped at icount %llu of %llu",
                 (unsigned long long)c->icount, (unsigned long long)target);
        return -1;
    }
    *vec = p->vec >= 0 ? p->vec : DIFF_NO_EXC;
    return 0;
}

static void pwr_read(struct runner *r, uint32_t addr, void *dst, uint32_t len)
{
    struct pwr *p = r->impl;
    memcpy(dst, p->phys.ram + addr, len);
}

static const uint8_t *pwr_mem(struct runner *r)
{
    struct pwr *p = r->impl;
    return p->phys.ram;
}

static void pwr_destroy(struct runner *r)
{
    struct pwr *p = r->impl;
    cpu_free(&p->cpu);
    mmu_free(&p->mmu);
    phys_free(&p->phys);
    free(p);
}

int runner_pagewalk_create(struct runner *r, bool code32, int model, char *err, unsigned errlen)
{
    struct pwr *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->code32 = code32;
    pw_events_init(&p->ev);
    pw_events_subscribe(&p->ev, PW_EV_BIT(PW_EV_EXCEPTION) | PW_EV_BIT(PW_EV_INTERRUPT), on_event, p);
    struct mmu_tlb_config cfg = mmu_tlb_default(model);
    struct cpu_bus_ops bus = {.io_read = io_read, .io_write = io_write, .intr_ack = intr_ack, .opaque = p};
    if (phys_init(&p->phys, PW_RAM, &p->ev) != 0 ||
        mmu_init(&p->mmu, &p->phys, &p->ev, model, &cfg) != 0 ||
        cpu_init(&p->cpu, model, &p->mmu, &p->ev, &bus) != 0) {
        snprintf(err, errlen, "pagewalk: cannot create the machine");
        free(p);
        return -1;
    }
    phys_set_a20(&p->phys, true);
    *r = (struct runner){.name = "pagewalk", .impl = p, .load = pwr_load, .step = pwr_step, .run = pwr_run,
                         .get = pwr_get, .set = pwr_set, .read = pwr_read,
                         .mem = pwr_mem, .destroy = pwr_destroy};
    return 0;
}
