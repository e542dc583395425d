/* Segmentation: descriptor fetch from the GDT/LDT, segment register loads with the
 * protected-mode rules (386 manual chapter 6, MOV/POP Sreg pseudo-code in chapter 17),
 * real-mode and V86 loads, and the implicit stack accesses of the system instructions. */
#include "cpu/desc.h"

static PW_COLD void desc_read_slow(struct cpu *c, uint32_t a, struct cpu_desc *d)
{
    if (!mmu_read32(c->mmu, a, false, &d->lo) || !mmu_read32(c->mmu, a + 4, false, &d->hi))
        cpu_raise_pf(c);
}

/* A descriptor is read as two supervisor dwords, low then high: when both are in a page the
 * fast table holds, one lookup answers for the pair (cpu_desc_peek); otherwise the two reads
 * go through the MMU's general path, which faults on the first one that must. Inline,
 * because every segment load and far transfer starts here. */
static inline bool desc_read(struct cpu *c, uint16_t sel, struct cpu_desc *d)
{
    uint32_t a;
    struct mmu_fast *f = cpu_desc_peek(c, sel, d, &a);
    if (likely(f != NULL)) {
        cpu_desc_peek_use(c, f, a);
        return true;
    }
    if (!cpu_desc_addr(c, sel, &a))
        return false;
    desc_read_slow(c, a, d);
    return true;
}

static inline void desc_read_or_raise(struct cpu *c, uint16_t sel, struct cpu_desc *d, int vec,
                                      uint32_t ext)
{
    if (!desc_read(c, sel, d))
        cpu_raise(c, vec, (sel & 0xFFFCu) | ext);
}

bool cpu_desc_read(struct cpu *c, uint16_t sel, struct cpu_desc *d)
{
    return desc_read(c, sel, d);
}

void cpu_desc_read_or_raise(struct cpu *c, uint16_t sel, struct cpu_desc *d, int vec, uint32_t ext)
{
    desc_read_or_raise(c, sel, d, vec, ext);
}

void cpu_seg_real(struct cpu_seg *s, uint16_t sel)
{
    s->sel = sel;
    s->base = (uint32_t)sel << 4;
    s->valid = true;
}

void cpu_seg_v86(struct cpu_seg *s, uint16_t sel, bool code)
{
    s->sel = sel;
    s->base = (uint32_t)sel << 4;
    s->limit = 0xFFFF;
    /* present, DPL 3, code/data, accessed; data writable / code readable */
    s->attr = code ? 0xFB : 0xF3;
    s->valid = true;
}

void cpu_seg_null(struct cpu_seg *s, uint16_t sel)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0;
    s->attr = 0;
    s->valid = false;
}

void cpu_seg_nullify_outer(struct cpu *c)
{
    static const int regs[4] = {SEG_ES, SEG_DS, SEG_FS, SEG_GS};
    for (int i = 0; i < 4; i++) {
        struct cpu_seg *s = &c->seg[regs[i]];
        if (!s->valid)
            continue;
        uint16_t a = s->attr;
        bool conforming_code = SEG_ATTR_S(a) && (a & 0x8) && (a & 0x4);
        if (!conforming_code && SEG_ATTR_DPL(a) < c->cpl)
            cpu_seg_null(s, 0);
    }
}

/* The usual protected-mode load, decided on a look at the descriptor (cpu_desc_peek): a
 * present segment whose accessed bit is already set and that passes the checks below is
 * loaded with exactly the effects of the general path (two descriptor reads counted, no
 * accessed-bit write), and the fast-table slot it was read through is returned. Anything
 * else returns NULL having done nothing, and the general path starts from scratch (it
 * reads the descriptor itself). Access byte (descriptor bits 47..40):
 *
 *    7   6 5   4   3      2                1                0
 *   +---+-----+---+------+----------------+----------------+----------+
 *   | P | DPL | S | code | conforming /   | readable /     | accessed |
 *   |   |     |   |      | expand-down    | writable       |          |
 *   +---+-----+---+------+----------------+----------------+----------+ */
static inline struct mmu_fast *data_seg_quick(struct cpu *c, int sreg, uint16_t sel, uint32_t *a)
{
    struct cpu_desc d;
    struct mmu_fast *f = cpu_desc_peek(c, sel, &d, a);
    if (!f)
        return NULL;
    unsigned ab = (d.hi >> 8) & 0xFFu, dpl = (ab >> 5) & 3u;
    if ((ab & 0x91u) != 0x91u || (ab & 0x0Au) == 0x08u) /* P S A; not execute-only code */
        return NULL;
    if ((ab & 0x0Cu) != 0x0Cu && ((sel & 3u) > dpl || c->cpl > dpl)) /* unless conforming */
        return NULL;
    cpu_desc_peek_use(c, f, *a);
    cpu_seg_from_desc(&c->seg[sreg], sel, &d);
    return f;
}

/* SS, as above: present, accessed, writable data, RPL = DPL = CPL. */
static inline struct mmu_fast *ss_quick(struct cpu *c, uint16_t sel, uint32_t *a)
{
    struct cpu_desc d;
    struct mmu_fast *f = cpu_desc_peek(c, sel, &d, a);
    if (!f)
        return NULL;
    unsigned ab = (d.hi >> 8) & 0xFFu, dpl = (ab >> 5) & 3u;
    if ((ab & 0x9Bu) != 0x93u || (sel & 3u) != c->cpl || dpl != c->cpl)
        return NULL;
    cpu_desc_peek_use(c, f, *a);
    cpu_seg_from_desc(&c->seg[SEG_SS], sel, &d);
    return f;
}

/* Checks shared by MOV to DS/ES/FS/GS and by a task switch; vec is #GP or #TS. The general
 * path, out of line so that the quick one stays small. */
static PW_COLD void load_data_seg_slow(struct cpu *c, int sreg, uint16_t sel, int vec)
{
    struct cpu_desc d;
    uint32_t err = sel & 0xFFFCu;
    desc_read_or_raise(c, sel, &d, vec, 0);
    if (!desc_s(&d) || !desc_readable(&d))
        cpu_raise(c, vec, err);
    if (!desc_conforming(&d) && ((sel & 3u) > desc_dpl(&d) || c->cpl > desc_dpl(&d)))
        cpu_raise(c, vec, err);
    if (!desc_p(&d))
        cpu_raise(c, EXC_NP, err);
    cpu_desc_set_accessed(c, sel, &d);
    cpu_seg_from_desc(&c->seg[sreg], sel, &d);
}

/* Returns the fast-table slot the descriptor was read through when the load took the quick
 * way (see cpu_load_task_data_segs), else NULL. */
static inline struct mmu_fast *load_data_seg_pm(struct cpu *c, int sreg, uint16_t sel, int vec,
                                                uint32_t *a)
{
    if ((sel & 0xFFFCu) == 0) {
        /* a null selector may be loaded; using it faults later (386 manual 6.3.1.1) */
        cpu_seg_null(&c->seg[sreg], sel);
        return NULL;
    }
    struct mmu_fast *f = data_seg_quick(c, sreg, sel, a);
    if (unlikely(f == NULL))
        load_data_seg_slow(c, sreg, sel, vec);
    return f;
}

/* SS: writable data, RPL = DPL = CPL; not present is #SS (386 manual, MOV pseudo-code). */
static PW_COLD void load_ss_slow(struct cpu *c, uint16_t sel, int vec)
{
    uint32_t err = sel & 0xFFFCu;
    struct cpu_desc d;
    desc_read_or_raise(c, sel, &d, vec, 0);
    if ((sel & 3u) != c->cpl || !desc_writable_data(&d) || desc_dpl(&d) != c->cpl)
        cpu_raise(c, vec, err);
    if (!desc_p(&d))
        cpu_raise(c, EXC_SS, err);
    cpu_desc_set_accessed(c, sel, &d);
    cpu_seg_from_desc(&c->seg[SEG_SS], sel, &d);
}

static inline struct mmu_fast *load_ss_pm(struct cpu *c, uint16_t sel, int vec, uint32_t *a)
{
    if ((sel & 0xFFFCu) == 0)
        cpu_raise(c, vec, 0);
    struct mmu_fast *f = ss_quick(c, sel, a);
    if (unlikely(f == NULL))
        load_ss_slow(c, sel, vec);
    return f;
}

void cpu_load_seg(struct cpu *c, int sreg, uint16_t sel)
{
    uint32_t a;
    if (!cpu_protected(c)) {
        cpu_seg_real(&c->seg[sreg], sel);
        return;
    }
    if (cpu_v86(c)) {
        cpu_seg_v86(&c->seg[sreg], sel, false);
        return;
    }
    if (sreg == SEG_SS) {
        bool was32 = SEG_ATTR_DB(c->seg[SEG_SS].attr);
        load_ss_pm(c, sel, EXC_GP, &a);
        if (was32 != (bool)SEG_ATTR_DB(c->seg[SEG_SS].attr))
            cpu_mode_changed(c);
        return;
    }
    load_data_seg_pm(c, sreg, sel, EXC_GP, &a);
}

void cpu_load_seg_task(struct cpu *c, int sreg, uint16_t sel)
{
    uint32_t a;
    if (sreg == SEG_SS)
        load_ss_pm(c, sel, EXC_TS, &a);
    else
        load_data_seg_pm(c, sreg, sel, EXC_TS, &a);
}

void cpu_load_task_data_segs(struct cpu *c, const uint16_t sel[6])
{
    static const int order[5] = {SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS};
    struct mmu_fast *f = NULL; /* the previous load, when it took the quick way */
    uint32_t a = 0;
    int prev = SEG_SS;
    for (int k = 0; k < 5; k++) {
        int r = order[k];
        if (f && sel[r] == sel[prev]) {
            /* The selector just loaded the quick way, again (a task's DS = ES = SS is the
             * rule): the same descriptor bytes, since nothing was written (its accessed bit
             * was set already), the same checks passed (those of SS include those of a data
             * segment), and reading it again would be two more fast hits on the entry used
             * last, which touch nothing else (see cpu_fast_span). So: the two hits, and a
             * copy of the cache. */
            uint64_t hits = f->tlb_index >= 0 ? 2 : 0;
            c->mmu->stats.lookups += hits;
            c->mmu->stats.hits += hits;
            c->seg[r] = c->seg[prev];
            continue;
        }
        f = r == SEG_SS ? load_ss_pm(c, sel[r], EXC_TS, &a)
                        : load_data_seg_pm(c, r, sel[r], EXC_TS, &a);
        prev = r;
    }
}

/* ---- implicit stack accesses ---- */

void cpu_stk_from_seg(struct cpu_stk *s, const struct cpu_seg *seg, uint32_t esp, bool user)
{
    s->base = seg->base;
    s->limit = seg->limit;
    s->attr = seg->attr;
    s->esp = esp;
    s->user = user;
}

static uint32_t stk_mask(const struct cpu_stk *s)
{
    return SEG_ATTR_DB(s->attr) ? 0xFFFFFFFFu : 0xFFFFu;
}

/* Offsets a..b (a <= b) inside the segment: expand-up: b <= limit; expand-down (data type
 * bit 2): a > limit and b within the 64 KiB / 4 GiB bound given by B (386 manual 6.3.1.2). */
static bool span_ok(const struct cpu_stk *s, uint32_t a, uint32_t b)
{
    bool expand_down = SEG_ATTR_S(s->attr) && !(s->attr & 0x8) && (s->attr & 0x4);
    if (expand_down)
        return a > s->limit && b <= stk_mask(s);
    return b <= s->limit;
}

static bool range_ok(const struct cpu_stk *s, uint32_t lo, uint32_t n)
{
    uint32_t mask = stk_mask(s);
    lo &= mask;
    uint32_t hi = (lo + n - 1) & mask;
    if (hi < lo) /* the frame wraps around the top of the stack segment's offset space */
        return span_ok(s, lo, mask) && span_ok(s, 0, hi);
    return span_ok(s, lo, hi);
}

bool cpu_stk_room_push(const struct cpu_stk *s, uint32_t n)
{
    return range_ok(s, s->esp - n, n);
}

bool cpu_stk_room_pop(const struct cpu_stk *s, uint32_t off, uint32_t n)
{
    return range_ok(s, s->esp + off, n);
}

void cpu_stk_push(struct cpu *c, struct cpu_stk *s, uint32_t v, unsigned size)
{
    uint32_t mask = stk_mask(s);
    s->esp = (s->esp & ~mask) | ((s->esp - size) & mask);
    uint32_t lin = s->base + (s->esp & mask);
    if (size == 4)
        lin_write32(c, lin, s->user, v);
    else
        lin_write16(c, lin, s->user, (uint16_t)v);
}

uint32_t cpu_stk_pop(struct cpu *c, struct cpu_stk *s, unsigned size)
{
    uint32_t mask = stk_mask(s);
    uint32_t lin = s->base + (s->esp & mask);
    uint32_t v = size == 4 ? lin_read32(c, lin, s->user) : lin_read16(c, lin, s->user);
    s->esp = (s->esp & ~mask) | ((s->esp + size) & mask);
    return v;
}

void cpu_stk_commit(struct cpu *c, const struct cpu_stk *s)
{
    uint32_t mask = stk_mask(s);
    c->gpr[R_ESP] = (c->gpr[R_ESP] & ~mask) | (s->esp & mask);
}
