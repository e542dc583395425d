/* A small machine for the CPU system-half tests: 4 MiB of RAM, paging off (linear =
 * physical), and a protected-mode world built by the test:
 *
 *   0x01000 GDT   0x02000 IDT   0x03000 LDT   0x04000 TSS A   0x04800 TSS B
 *   0x04C00 TSS C (other CR3)   0x05000 286 TSS   0x08000 ring-3 stack top   0x09000 ring-0 stack top
 *   0x0A000 ring-1 stack top    0x10000 code              0x20000 page directory
 *
 * System functions are called directly; a guest fault (cpu_raise) lands in TRY's setjmp
 * with the vector and error code recorded. */
#ifndef PW_TEST_CPU_SYS_FIXTURE_H
#define PW_TEST_CPU_SYS_FIXTURE_H

#include <setjmp.h>
#include <string.h>

#include "cpu/desc.h"
#include "test.h"

#define GDT_BASE 0x1000u
#define IDT_BASE 0x2000u
#define LDT_BASE 0x3000u
#define TSS_A 0x4000u
#define TSS_B 0x4800u
#define TSS_C 0x4C00u
#define TSS16_BASE 0x5000u
#define STK3_TOP 0x8000u
#define STK0_TOP 0x9000u
#define STK1_TOP 0xA000u

/* GDT selectors */
enum {
    S_CODE0 = 0x08, S_DATA0 = 0x10, S_CODE3 = 0x1B, S_DATA3 = 0x23, S_TSSA = 0x28,
    S_TSSB = 0x30, S_LDT = 0x38, S_DATA_NP = 0x40, S_CONF0 = 0x48, S_CALLG = 0x53,
    S_TASKG = 0x58, S_DATA_RO = 0x60, S_DATA16 = 0x68, S_EXPDN = 0x70, S_CODE1 = 0x79,
    S_TSSC = 0x80, S_CODE_NP = 0x88, S_DATA1 = 0x91, S_CODE16 = 0x98, S_CALLG16 = 0xA3,
    S_TSS16 = 0xA8, GDT_ENTRIES = 22
};

struct fx {
    struct pw_events ev;
    struct phys p;
    struct mmu m;
    struct cpu c;
    jmp_buf jb;
    int exc;        /* vector raised inside TRY, -1 when none */
    uint32_t err;
    int count[PW_EV_COUNT];
    struct pw_event last[PW_EV_COUNT];
    int flushes_task;
};

#define TRY(f, code)                                  \
    do {                                              \
        (f)->exc = -1;                                \
        (f)->c.fault_jmp = &(f)->jb;                  \
        if (setjmp((f)->jb) == 0) {                   \
            code;                                     \
        } else {                                      \
            (f)->exc = (f)->c.exc_vec;                \
            (f)->err = (f)->c.exc_err;                \
        }                                             \
    } while (0)

static inline void wr8(struct fx *f, uint32_t a, uint8_t v) { phys_write(&f->p, a, 1, v); }
static inline void wr16(struct fx *f, uint32_t a, uint16_t v) { phys_write(&f->p, a, 2, v); }
static inline void wr32(struct fx *f, uint32_t a, uint32_t v) { phys_write(&f->p, a, 4, v); }
static inline uint8_t rd8(struct fx *f, uint32_t a) { return (uint8_t)phys_read(&f->p, a, 1); }
static inline uint16_t rd16(struct fx *f, uint32_t a) { return (uint16_t)phys_read(&f->p, a, 2); }
static inline uint32_t rd32(struct fx *f, uint32_t a) { return phys_read(&f->p, a, 4); }

/* Segment descriptor from base, 20-bit limit, access byte and flags nibble (G D 0 AVL). */
static inline void set_desc(struct fx *f, uint32_t table, unsigned idx, uint32_t base,
                            uint32_t limit, uint8_t access, uint8_t flags)
{
    uint32_t lo = (limit & 0xFFFFu) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xFFu) | ((uint32_t)access << 8) | (limit & 0xF0000u) |
                  ((uint32_t)(flags & 0xF) << 20) | (base & 0xFF000000u);
    wr32(f, table + idx * 8, lo);
    wr32(f, table + idx * 8 + 4, hi);
}

/* Gate: selector, offset, access byte (P DPL 0 type), parameter count. */
static inline void set_gate(struct fx *f, uint32_t table, unsigned idx, uint16_t sel, uint32_t off,
                            uint8_t access, unsigned params)
{
    wr32(f, table + idx * 8, (off & 0xFFFFu) | ((uint32_t)sel << 16));
    wr32(f, table + idx * 8 + 4, (off & 0xFFFF0000u) | ((uint32_t)access << 8) | (params & 0x1F));
}

static inline uint8_t desc_access(struct fx *f, uint16_t sel)
{
    return rd8(f, GDT_BASE + (sel & ~7u) + 5);
}

static void fx_on_event(void *opaque, const struct pw_event *ev)
{
    struct fx *f = opaque;
    f->count[ev->kind]++;
    f->last[ev->kind] = *ev;
    if (ev->kind == PW_EV_TLB_FLUSH && ev->flush.cause == PW_FLUSH_TASK_SWITCH)
        f->flushes_task++;
}

/* A 32-bit TSS: ring-0/1 stacks, and a task state (ring 0 flat segments by default). */
static inline void fill_tss32(struct fx *f, uint32_t b, uint32_t cr3, uint32_t eip, uint16_t cs,
                              uint16_t ss, uint16_t ds, uint32_t esp)
{
    for (uint32_t i = 0; i < 0x68; i += 4)
        wr32(f, b + i, 0);
    wr32(f, b + 0x04, STK0_TOP);
    wr32(f, b + 0x08, S_DATA0);
    wr32(f, b + 0x0C, STK1_TOP);
    wr32(f, b + 0x10, S_DATA1);
    wr32(f, b + 0x1C, cr3);
    wr32(f, b + 0x20, eip);
    wr32(f, b + 0x24, 0x202);
    wr32(f, b + 0x38, esp);
    wr16(f, b + 0x48, ds);
    wr16(f, b + 0x4C, cs);
    wr16(f, b + 0x50, ss);
    wr16(f, b + 0x54, ds);
    wr16(f, b + 0x66, 0x68); /* I/O bitmap right after the TSS */
}

static inline void fx_gdt(struct fx *f)
{
    uint32_t g = GDT_BASE;
    memset(f->p.ram + g, 0, GDT_ENTRIES * 8);
    set_desc(f, g, 1, 0, 0xFFFFF, 0x9A, 0xC);   /* code0: 32-bit, 4 GiB */
    set_desc(f, g, 2, 0, 0xFFFFF, 0x92, 0xC);   /* data0 */
    set_desc(f, g, 3, 0, 0xFFFFF, 0xFA, 0xC);   /* code3 */
    set_desc(f, g, 4, 0, 0xFFFFF, 0xF2, 0xC);   /* data3 */
    set_desc(f, g, 5, TSS_A, 0x68 + 0x2000 / 8, 0x89, 0); /* TSS A with a full I/O bitmap */
    set_desc(f, g, 6, TSS_B, 0x67, 0x89, 0);
    set_desc(f, g, 7, LDT_BASE, 0x17, 0x82, 0);
    set_desc(f, g, 8, 0, 0xFFFFF, 0x12, 0xC);   /* data, not present */
    set_desc(f, g, 9, 0, 0xFFFFF, 0x9E, 0xC);   /* conforming code, DPL 0 */
    set_gate(f, g, 10, S_CODE0, 0x11000, 0xEC, 2);  /* 32-bit call gate DPL 3, 2 params */
    set_gate(f, g, 11, S_TSSB, 0, 0x85, 0);         /* task gate -> TSS B */
    set_desc(f, g, 12, 0, 0xFFFFF, 0x90, 0xC);  /* read-only data */
    set_desc(f, g, 13, 0, 0x0FFF, 0x92, 0x0);   /* 16-bit data, 4 KiB */
    set_desc(f, g, 14, 0, 0x0FFF, 0x96, 0x0);   /* 16-bit expand-down: offsets 0x1000-0xFFFF */
    set_desc(f, g, 15, 0, 0xFFFFF, 0xBA, 0xC);  /* code1 */
    set_desc(f, g, 16, TSS_C, 0x67, 0x89, 0);
    set_desc(f, g, 17, 0, 0xFFFFF, 0x1A, 0xC);  /* code, not present */
    set_desc(f, g, 18, 0, 0xFFFFF, 0xB2, 0xC);  /* data1 */
    set_desc(f, g, 19, 0, 0xFFFF, 0x9A, 0x0);   /* 16-bit code */
    set_gate(f, g, 20, S_CODE0, 0x11100, 0xE4, 1);  /* 16-bit call gate DPL 3, 1 param */
    set_desc(f, g, 21, TSS16_BASE, 0x2B, 0x81, 0);  /* 286 TSS */
    /* LDT: 0x04 data3, 0x0C code3 */
    set_desc(f, LDT_BASE, 0, 0x100000, 0xFFFF, 0xF2, 0x4);
    set_desc(f, LDT_BASE, 1, 0, 0xFFFFF, 0xFA, 0xC);
}

/* Power on, then enter ring-0 protected mode with TR = TSS A, LDT loaded. */
static void fx_init(struct fx *f, int model)
{
    memset(f, 0, sizeof *f);
    pw_events_init(&f->ev);
    if (phys_init(&f->p, 4u << 20, &f->ev) != 0 || mmu_init(&f->m, &f->p, &f->ev, model, NULL) != 0 ||
        cpu_init(&f->c, model, &f->m, &f->ev, NULL) != 0) {
        fprintf(stderr, "fixture: cannot create the machine\n");
        exit(2);
    }
    pw_events_subscribe(&f->ev, 0xFFFFFFFFu, fx_on_event, f);
    fx_gdt(f);
    fill_tss32(f, TSS_A, 0, 0, S_CODE0, S_DATA0, S_DATA0, STK0_TOP);
    wr8(f, TSS_A + 0x68 + 0x2000 / 8, 0xFF); /* the bitmap's terminating byte */
    fill_tss32(f, TSS_B, 0, 0x12000, S_CODE0, S_DATA0, S_DATA0, 0x7800);
    fill_tss32(f, TSS_C, 0x20000, 0x12100, S_CODE0, S_DATA0, S_DATA0, 0x7000);
    struct cpu *c = &f->c;
    c->gdtr.base = GDT_BASE;
    c->gdtr.limit = GDT_ENTRIES * 8 - 1;
    c->idtr.base = IDT_BASE;
    c->idtr.limit = 0x7FF;
    c->cr0 |= CR0_PE;
    cpu_mode_changed(c);
    cpu_set_seg_raw(c, SEG_CS, S_CODE0);
    for (int s = 0; s < 6; s++)
        if (s != SEG_CS)
            cpu_set_seg_raw(c, s, S_DATA0);
    cpu_mode_changed(c);
    c->gpr[R_ESP] = STK0_TOP;
    c->eip = 0x10000;
    c->insn_eip = 0x10000;
    TRY(f, cpu_ltr(c, S_TSSA); cpu_lldt(c, S_LDT));
    if (f->exc >= 0) {
        fprintf(stderr, "fixture: LTR/LLDT faulted (%d)\n", f->exc);
        exit(2);
    }
}

/* Puts the CPU at ring 3 with flat ring-3 segments (as if IRET had brought it there). */
static inline void fx_ring3(struct fx *f, uint32_t esp)
{
    struct cpu *c = &f->c;
    cpu_set_seg_raw(c, SEG_CS, S_CODE3);
    for (int s = 0; s < 6; s++)
        if (s != SEG_CS)
            cpu_set_seg_raw(c, s, S_DATA3);
    cpu_mode_changed(c);
    c->gpr[R_ESP] = esp;
}

static inline void fx_free(struct fx *f)
{
    cpu_free(&f->c);
    mmu_free(&f->m);
    phys_free(&f->p);
}

#endif
