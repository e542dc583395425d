/* A tiny machine for CPU unit tests: RAM, the MMU, a CPU, a port log; helpers to enter
 * real mode or a flat 32-bit protected mode (GDT at 0x500, IDT at 0x800) and run until HLT. */
#ifndef PW_TEST_CPU_FIXTURE_H
#define PW_TEST_CPU_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/internal.h"
#include "mmu/mmu.h"
#include "mmu/phys.h"
#include "test.h"

#define TM_RAM (4u << 20)
#define TM_GDT 0x500u
#define TM_IDT 0x800u

struct tmach {
    struct pw_events ev;
    struct phys phys;
    struct mmu mmu;
    struct cpu cpu;
    uint8_t intr_vec;
    uint32_t out_port, out_val;
    int outs;            /* port writes seen */
    int intr_after;      /* raise INTR after this many port writes (0: never) */
};

static inline uint32_t tm_io_read(void *o, uint16_t port, unsigned size) { return 0x12345678u; }
static inline void tm_io_write(void *o, uint16_t port, unsigned size, uint32_t v)
{
    struct tmach *t = o;
    t->out_port = port;
    t->out_val = v;
    if (++t->outs == t->intr_after)
        cpu_set_intr(&t->cpu, true);
}
static inline uint8_t tm_ack(void *o) { return ((struct tmach *)o)->intr_vec; }

static struct tmach *tm_new(int model)
{
    struct tmach *t = calloc(1, sizeof *t);
    pw_events_init(&t->ev);
    if (phys_init(&t->phys, TM_RAM, &t->ev) || mmu_init(&t->mmu, &t->phys, &t->ev, model, NULL)) {
        fprintf(stderr, "fixture: cannot build the machine\n");
        exit(2);
    }
    struct cpu_bus_ops ops = {tm_io_read, tm_io_write, tm_ack, t};
    cpu_init(&t->cpu, model, &t->mmu, &t->ev, &ops);
    t->intr_vec = 0x08;
    return t;
}

static inline void tm_free(struct tmach *t)
{
    cpu_free(&t->cpu);
    mmu_free(&t->mmu);
    phys_free(&t->phys);
    free(t);
}

static inline void tm_load(struct tmach *t, uint32_t addr, const void *p, size_t n)
{
    phys_write_block(&t->phys, addr, p, (uint32_t)n);
}
static inline uint32_t tm_rd32(struct tmach *t, uint32_t addr) { return phys_read(&t->phys, addr, 4); }
static inline uint32_t tm_rd8(struct tmach *t, uint32_t addr) { return phys_read(&t->phys, addr, 1); }
static inline void tm_wr32(struct tmach *t, uint32_t addr, uint32_t v) { phys_write(&t->phys, addr, 4, v); }

/* Real mode, CS:IP = cs:ip, SS:SP = 0:0xFFF0, DS = ES = 0. */
static inline void tm_real(struct tmach *t, uint16_t cs, uint16_t ip)
{
    cpu_reset(&t->cpu);
    for (int s = 0; s < 6; s++)
        cpu_set_seg_raw(&t->cpu, s, 0);
    cpu_set_seg_raw(&t->cpu, SEG_CS, cs);
    t->cpu.eip = ip;
    t->cpu.gpr[R_ESP] = 0xFFF0;
}

static inline void tm_set_gate(struct tmach *t, int vec, uint32_t handler)
{
    tm_wr32(t, TM_IDT + vec * 8, (handler & 0xFFFF) | (0x08u << 16));
    tm_wr32(t, TM_IDT + vec * 8 + 4, (handler & 0xFFFF0000u) | 0x8E00u); /* P, DPL0, int gate */
}

/* Flat 32-bit protected mode at CPL 0: CS=08 (code), DS=ES=FS=GS=SS=10 (data), base 0,
 * 4 GiB limit; ESP = 0x90000; an empty IDT (every vector not present) of 64 entries. */
static inline void tm_flat32(struct tmach *t, uint32_t eip)
{
    cpu_reset(&t->cpu);
    struct cpu *c = &t->cpu;
    tm_wr32(t, TM_GDT + 0, 0);
    tm_wr32(t, TM_GDT + 4, 0);
    tm_wr32(t, TM_GDT + 8, 0x0000FFFF);
    tm_wr32(t, TM_GDT + 12, 0x00CF9B00);
    tm_wr32(t, TM_GDT + 16, 0x0000FFFF);
    tm_wr32(t, TM_GDT + 20, 0x00CF9300);
    for (int v = 0; v < 64; v++) {
        tm_wr32(t, TM_IDT + v * 8, 0);
        tm_wr32(t, TM_IDT + v * 8 + 4, 0);
    }
    c->gdtr.base = TM_GDT;
    c->gdtr.limit = 23;
    c->idtr.base = TM_IDT;
    c->idtr.limit = 64 * 8 - 1;
    c->cr0 |= CR0_PE;
    for (int s = 0; s < 6; s++)
        c->seg[s] = (struct cpu_seg){.sel = 0x10, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC093, .valid = true};
    c->seg[SEG_CS] = (struct cpu_seg){.sel = 0x08, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC09B, .valid = true};
    cpu_mode_changed(c);
    cpu_mode_changed(c);
    c->eip = eip;
    c->gpr[R_ESP] = 0x90000;
}

/* Ring-3 flat segments in the GDT (0x18 code, 0x20 data, DPL 3) and a 32-bit TSS at tss
 * (selector 0x28 in TR; ESP0 0x80000, SS0 0x10) for the stack switch into CPL 0 handlers.
 * After tm_flat32. */
static inline void tm_ring3_gdt(struct tmach *t, uint32_t tss)
{
    struct cpu *c = &t->cpu;
    tm_wr32(t, TM_GDT + 24, 0x0000FFFF);
    tm_wr32(t, TM_GDT + 28, 0x00CFFB00);
    tm_wr32(t, TM_GDT + 32, 0x0000FFFF);
    tm_wr32(t, TM_GDT + 36, 0x00CFF300);
    tm_wr32(t, TM_GDT + 40, (tss << 16) | 0x67);
    tm_wr32(t, TM_GDT + 44, 0x00008B00);
    c->gdtr.limit = 47;
    tm_wr32(t, tss + 4, 0x80000); /* esp0 */
    tm_wr32(t, tss + 8, 0x10);    /* ss0 */
    c->tr = (struct cpu_seg){.sel = 0x28, .base = tss, .limit = 0x67, .attr = 0x8B, .valid = true};
}

/* CPL 3 with tm_ring3_gdt's flat segments loaded (selectors 0x1B, 0x23) and ESP = esp. */
static inline void tm_enter_ring3(struct tmach *t, uint32_t esp)
{
    struct cpu *c = &t->cpu;
    for (int s = 0; s < 6; s++)
        c->seg[s] = (struct cpu_seg){.sel = 0x23, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC0F3, .valid = true};
    c->seg[SEG_CS] = (struct cpu_seg){.sel = 0x1B, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC0FB, .valid = true};
    c->gpr[R_ESP] = esp;
    cpu_mode_changed(c);
}

/* Page tables mapping the first 4 MiB one to one (directory at pd, table at pt, every entry
 * present and writable), for tests that then change single entries. */
static inline void tm_identity_tables(struct tmach *t, uint32_t pd, uint32_t pt)
{
    for (uint32_t k = 0; k < 1024; k++) {
        tm_wr32(t, pd + 4 * k, k == 0 ? pt | 3 : 0);
        tm_wr32(t, pt + 4 * k, (k << 12) | 3);
    }
}

/* Paging on with the directory at pd (after tm_flat32, which resets CR0). */
static inline void tm_paging_on(struct tmach *t, uint32_t pd)
{
    struct cpu *c = &t->cpu;
    c->cr3 = pd;
    c->cr0 |= CR0_PG;
    mmu_set_cr3(&t->mmu, pd, PW_FLUSH_API);
    mmu_set_cr0(&t->mmu, true, false);
}

/* Runs at most max instructions; returns why it stopped. */
static inline enum cpu_stop tm_run(struct tmach *t, uint64_t max)
{
    return cpu_run(&t->cpu, t->cpu.icount + max);
}



#endif
