/* Descriptors and implicit stack accesses: helpers shared by the system half of the CPU
 * (seg.c, except.c, far.c, task.c, sysops.c, io.c). Not used by the core.
 *
 * A segment descriptor as it sits in the GDT/LDT (386 manual 5.1, figure 5-3):
 *
 *   hi: 31      24 23 22 21 20 19   16 15 14 13 12 11    8 7        0
 *      +----------+--+--+--+--+-------+--+-----+--+-------+----------+
 *      |base 31:24| G|DB| 0|AV|lim19:16| P| DPL | S| type  |base 23:16|
 *      +----------+--+--+--+--+-------+--+-----+--+-------+----------+
 *   lo: 31                         16 15                             0
 *      +-----------------------------+-------------------------------+
 *      |          base 15:0          |          limit 15:0           |
 *      +-----------------------------+-------------------------------+
 *
 * A gate (call, interrupt, trap, task) keeps selector in lo 31:16, offset 15:0 in lo 15:0,
 * offset 31:16 in hi 31:16 and (call gates) the parameter count in hi 4:0. */
#ifndef PW_CPU_DESC_H
#define PW_CPU_DESC_H

#include "cpu/internal.h"

/* Slow paths kept out of the way of the inline fast ones (smaller frames, no spills). */
#if defined(__GNUC__)
#define PW_COLD __attribute__((noinline, cold))
#else
#define PW_COLD
#endif

struct cpu_desc {
    uint32_t lo, hi;
};

/* System descriptor types (386 manual table 6-1 / 7-1). */
enum {
    DT_TSS16 = 1, DT_LDT = 2, DT_TSS16_BUSY = 3, DT_CALL16 = 4, DT_TASK = 5, DT_INT16 = 6,
    DT_TRAP16 = 7, DT_TSS32 = 9, DT_TSS32_BUSY = 11, DT_CALL32 = 12, DT_INT32 = 14,
    DT_TRAP32 = 15
};

static inline uint32_t desc_base(const struct cpu_desc *d)
{
    return (d->lo >> 16) | ((d->hi & 0xFFu) << 16) | (d->hi & 0xFF000000u);
}
static inline uint32_t desc_limit(const struct cpu_desc *d)
{
    uint32_t l = (d->lo & 0xFFFFu) | (d->hi & 0xF0000u);
    return (d->hi & (1u << 23)) ? (l << 12) | 0xFFFu : l;
}
static inline uint16_t desc_attr(const struct cpu_desc *d) { return (uint16_t)((d->hi >> 8) & 0xF0FFu); }
static inline unsigned desc_type(const struct cpu_desc *d) { return (d->hi >> 8) & 0xFu; }
static inline bool desc_s(const struct cpu_desc *d) { return (d->hi >> 12) & 1u; }
static inline unsigned desc_dpl(const struct cpu_desc *d) { return (d->hi >> 13) & 3u; }
static inline bool desc_p(const struct cpu_desc *d) { return (d->hi >> 15) & 1u; }
/* code/data (S=1) type bits */
static inline bool desc_code(const struct cpu_desc *d) { return desc_s(d) && (d->hi & 0x800u); }
static inline bool desc_data(const struct cpu_desc *d) { return desc_s(d) && !(d->hi & 0x800u); }
static inline bool desc_conforming(const struct cpu_desc *d) { return desc_code(d) && (d->hi & 0x400u); }
static inline bool desc_readable(const struct cpu_desc *d) { return desc_data(d) || (d->hi & 0x200u); }
static inline bool desc_writable_data(const struct cpu_desc *d) { return desc_data(d) && (d->hi & 0x200u); }
/* gates */
static inline uint16_t gate_sel(const struct cpu_desc *d) { return (uint16_t)(d->lo >> 16); }
static inline uint32_t gate_off(const struct cpu_desc *d) { return (d->lo & 0xFFFFu) | (d->hi & 0xFFFF0000u); }
static inline unsigned gate_params(const struct cpu_desc *d) { return d->hi & 0x1Fu; }

/* ---- implicit supervisor accesses in one page ----
 * n accesses of kind acc (PW_ACC_READ or PW_ACC_WRITE) made one after the other by the
 * processor itself (descriptor, TSS), all to the bytes lin .. lin+len-1 of one page. When the
 * MMU's fast table holds that page for this kind of access (plain RAM, rights checked, A and
 * for writes D already set in the TLB entry) the first access would be a fast hit and each
 * further one a fast hit on the same entry, by then the most recently used one, which needs
 * no replacement bookkeeping: so one use of the entry plus n-1 counted hits leave the TLB,
 * its statistics and the page tables exactly as n separate accesses would. Returns the host
 * byte of lin, or NULL: then the caller makes the accesses one by one through the general
 * path (which raises #PF where it must and fills the fast table). */
static inline uint8_t *cpu_fast_span(struct mmu *m, int acc, uint32_t lin, uint32_t len, unsigned n)
{
    struct mmu_fast *f = mmu_fast_slot(m, acc, false, lin);
    if (!mmu_fast_match(f, lin, len))
        return NULL;
    uint8_t *h = mmu_fast_use(m, f, lin);
    uint64_t more = f->tlb_index >= 0 ? (uint64_t)(n - 1) : 0; /* paging off: no lookups */
    m->stats.lookups += more;
    m->stats.hits += more;
    return h;
}

/* Linear address of sel's descriptor in the GDT or LDT; false when the whole 8 bytes are not
 * inside the table limit (386 manual 5.1.3), or TI=1 with a null LDTR. */
static inline bool cpu_desc_addr(const struct cpu *c, uint16_t sel, uint32_t *lin)
{
    uint32_t base, limit;
    if (sel & 4) {
        if (!c->ldtr.valid)
            return false;
        base = c->ldtr.base;
        limit = c->ldtr.limit;
    } else {
        base = c->gdtr.base;
        limit = c->gdtr.limit;
    }
    uint32_t off = sel & ~7u;
    *lin = base + off;
    return off + 7 <= limit;
}

/* A look at sel's descriptor without any effect: when its table is in range and its 8 bytes
 * lie in a page the fast table holds for supervisor reads, fills *d and returns the slot;
 * nothing is counted or touched yet. The caller decides from *d whether it can take its
 * quick path; if so, cpu_desc_peek_use() then makes the two dword reads count exactly as
 * cpu_desc_read() would have (a fast hit, and a second one on the same entry); if not, it
 * calls the general code, which reads the descriptor again with all its effects. NULL: use
 * the general code. */
static inline struct mmu_fast *cpu_desc_peek(struct cpu *c, uint16_t sel, struct cpu_desc *d,
                                             uint32_t *lin)
{
    if (!cpu_desc_addr(c, sel, lin))
        return NULL;
    struct mmu_fast *f = mmu_fast_slot(c->mmu, PW_ACC_READ, false, *lin);
    if (!mmu_fast_match(f, *lin, 8))
        return NULL;
    /* the fast table's host pointer is lin + addend (mmu/mmu.h) */
    memcpy(d, (const uint8_t *)(uintptr_t)(*lin + f->addend), 8);
    return f;
}

static inline void cpu_desc_peek_use(struct cpu *c, struct mmu_fast *f, uint32_t lin)
{
    struct mmu *m = c->mmu;
    (void)mmu_fast_use(m, f, lin);
    uint64_t more = f->tlb_index >= 0; /* the high dword: a hit on the same entry */
    m->stats.lookups += more;
    m->stats.hits += more;
}

/* ---- seg.c ---- */
/* Reads the descriptor for sel from the GDT or LDT. false when the index is outside the
 * table limit (or TI=1 with no valid LDT). Reads are supervisor accesses (may #PF). */
bool cpu_desc_read(struct cpu *c, uint16_t sel, struct cpu_desc *d);
/* Same, raising vec with error code (sel & ~3) | ext when outside the table. */
void cpu_desc_read_or_raise(struct cpu *c, uint16_t sel, struct cpu_desc *d, int vec, uint32_t ext);
/* Rewrites descriptor byte 5 (type/DPL/P) in the table (a supervisor write; nothing when sel
 * is outside the table, which the callers have checked). Inline: the busy bits of every
 * task switch. */
static inline void cpu_desc_write_type(struct cpu *c, uint16_t sel, const struct cpu_desc *d)
{
    uint32_t a;
    if (cpu_desc_addr(c, sel, &a) && !mmu_write8(c->mmu, a + 5, false, (uint8_t)(d->hi >> 8)))
        cpu_raise_pf(c);
}
/* Sets the accessed bit (type bit 0) in the table if it is not set yet: the processor
 * writes it only when it is clear (386 manual 6.3.1.1), so the usual case is no write. */
static inline void cpu_desc_set_accessed(struct cpu *c, uint16_t sel, struct cpu_desc *d)
{
    if (!(d->hi & 0x100u)) {
        d->hi |= 0x100u;
        cpu_desc_write_type(c, sel, d);
    }
}
/* Hidden-cache fill from a descriptor. */
static inline void cpu_seg_from_desc(struct cpu_seg *s, uint16_t sel, const struct cpu_desc *d)
{
    s->sel = sel;
    s->base = desc_base(d);
    s->limit = desc_limit(d);
    s->attr = desc_attr(d);
    s->valid = true;
}
/* Real mode: base = sel << 4, limit and attributes kept (386 manual 14.1). */
void cpu_seg_real(struct cpu_seg *s, uint16_t sel);
/* V86: base = sel << 4, 64 KiB, DPL 3 writable data (CS: code) (386 manual 15.1). */
void cpu_seg_v86(struct cpu_seg *s, uint16_t sel, bool code);
/* Null selector in protected mode: usable for nothing until reloaded. */
void cpu_seg_null(struct cpu_seg *s, uint16_t sel);
/* DS/ES/FS/GS that an outer privilege level may not keep become null (RET/IRET to an outer
 * level, 386 manual 6.3.4.2). */
void cpu_seg_nullify_outer(struct cpu *c);
/* Loads a data segment register from a task's saved selector with the checks of a task
 * switch (#TS/#NP) at the new CPL. */
void cpu_load_seg_task(struct cpu *c, int sreg, uint16_t sel);
/* The same for all of a new task's data segments, sel indexed by SEG_*: SS, ES, DS, FS, GS
 * in this order (each may fault; CS is loaded by the caller). */
void cpu_load_task_data_segs(struct cpu *c, const uint16_t sel[6]);

/* ---- implicit stack accesses (seg.c) ----
 * A stack described by its cache and a stack pointer; nothing of the CPU changes until the
 * caller commits, so a fault half-way through a frame leaves the architectural state alone. */
struct cpu_stk {
    uint32_t base, limit;
    uint16_t attr;
    uint32_t esp;
    bool user;   /* CPL-3 rights for the paging check */
};
void cpu_stk_from_seg(struct cpu_stk *s, const struct cpu_seg *seg, uint32_t esp, bool user);
/* true when n bytes below (push) / from (pop) the pointer are within the segment limit. */
bool cpu_stk_room_push(const struct cpu_stk *s, uint32_t n);
bool cpu_stk_room_pop(const struct cpu_stk *s, uint32_t off, uint32_t n);
void cpu_stk_push(struct cpu *c, struct cpu_stk *s, uint32_t v, unsigned size);
uint32_t cpu_stk_pop(struct cpu *c, struct cpu_stk *s, unsigned size);
/* Writes SP or ESP back per the segment's B bit. */
void cpu_stk_commit(struct cpu *c, const struct cpu_stk *s);

/* ---- task.c ---- */
enum cpu_task_cause { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
/* Switches to the task whose TSS descriptor (already fetched, present, type checked by the
 * caller) is d. has_err: push err on the new task's stack (exception through a task gate). */
void cpu_task_switch(struct cpu *c, uint16_t sel, struct cpu_desc *d, enum cpu_task_cause why,
                     bool has_err, uint32_t err);

/* ---- except.c ---- */
/* SS:ESP for privilege level dpl from the current TSS (#TS(TR) when beyond its limit). */
void cpu_tss_stack(struct cpu *c, unsigned dpl, uint32_t ext, uint16_t *ss, uint32_t *esp);
/* Validates a new inner stack selector (#TS/#SS with ext) and fills the cache. */
void cpu_check_inner_ss(struct cpu *c, uint16_t ss, unsigned dpl, uint32_t ext, struct cpu_seg *out);

/* ---- io.c ---- */
/* Flags write for IRET (RF loaded, VM handled by the caller), with the POPF privilege rules. */
uint32_t cpu_flags_merge(struct cpu *c, uint32_t old, uint32_t val, uint32_t size_mask);

#endif
