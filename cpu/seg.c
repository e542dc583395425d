/* Segmentation: descriptor fetch from the GDT/LDT, segment register loads with the
 * protected-mode rules (386 manual chapter 6, MOV/POP Sreg pseudo-code in chapter 17),
 * real-mode and V86 loads, and the implicit stack accesses of the system instructions. */
#include "cpu/desc.h"

static uint32_t desc_table_addr(const struct cpu *c, uint16_t sel, bool *ok)
{
    uint32_t base, limit;
    if (sel & 4) {
        /* TI=1 with a null LDTR: every LDT selector is outside the table */
        if (!c->ldtr.valid) {
            *ok = false;
            return 0;
        }
        base = c->ldtr.base;
        limit = c->ldtr.limit;
    } else {
        base = c->gdtr.base;
        limit = c->gdtr.limit;
    }
    uint32_t off = sel & ~7u;
    /* the whole 8-byte descriptor must lie within the table limit (386 manual 5.1.3) */
    *ok = off + 7 <= limit;
    return base + off;
}

bool cpu_desc_read(struct cpu *c, uint16_t sel, struct cpu_desc *d)
{
    bool ok;
    uint32_t a = desc_table_addr(c, sel, &ok);
    if (!ok)
        return false;
    d->lo = lin_read32(c, a, false);
    d->hi = lin_read32(c, a + 4, false);
    return true;
}

void cpu_desc_read_or_raise(struct cpu *c, uint16_t sel, struct cpu_desc *d, int vec, uint32_t ext)
{
    if (!cpu_desc_read(c, sel, d))
        cpu_raise(c, vec, (sel & 0xFFFCu) | ext);
}

void cpu_desc_write_type(struct cpu *c, uint16_t sel, const struct cpu_desc *d)
{
    bool ok;
    uint32_t a = desc_table_addr(c, sel, &ok);
    if (ok)
        lin_write8(c, a + 5, false, (uint8_t)(d->hi >> 8));
}

void cpu_desc_set_accessed(struct cpu *c, uint16_t sel, struct cpu_desc *d)
{
    /* The processor writes the accessed bit only when it is clear (386 manual 6.3.1.1). */
    if (!(d->hi & 0x100u)) {
        d->hi |= 0x100u;
        cpu_desc_write_type(c, sel, d);
    }
}

void cpu_seg_from_desc(struct cpu_seg *s, uint16_t sel, const struct cpu_desc *d)
{
    s->sel = sel;
    s->base = desc_base(d);
    s->limit = desc_limit(d);
    s->attr = desc_attr(d);
    s->valid = true;
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

/* Checks shared by MOV to DS/ES/FS/GS and by a task switch; vec is #GP or #TS. */
static void load_data_seg_pm(struct cpu *c, int sreg, uint16_t sel, int vec)
{
    if ((sel & 0xFFFCu) == 0) {
        /* a null selector may be loaded; using it faults later (386 manual 6.3.1.1) */
        cpu_seg_null(&c->seg[sreg], sel);
        return;
    }
    struct cpu_desc d;
    uint32_t err = sel & 0xFFFCu;
    cpu_desc_read_or_raise(c, sel, &d, vec, 0);
    if (!desc_s(&d) || !desc_readable(&d))
        cpu_raise(c, vec, err);
    if (!desc_conforming(&d) && ((sel & 3u) > desc_dpl(&d) || c->cpl > desc_dpl(&d)))
        cpu_raise(c, vec, err);
    if (!desc_p(&d))
        cpu_raise(c, EXC_NP, err);
    cpu_desc_set_accessed(c, sel, &d);
    cpu_seg_from_desc(&c->seg[sreg], sel, &d);
}

/* SS: writable data, RPL = DPL = CPL; not present is #SS (386 manual, MOV pseudo-code). */
static void load_ss_pm(struct cpu *c, uint16_t sel, int vec)
{
    uint32_t err = sel & 0xFFFCu;
    if (err == 0)
        cpu_raise(c, vec, 0);
    struct cpu_desc d;
    cpu_desc_read_or_raise(c, sel, &d, vec, 0);
    if ((sel & 3u) != c->cpl || !desc_writable_data(&d) || desc_dpl(&d) != c->cpl)
        cpu_raise(c, vec, err);
    if (!desc_p(&d))
        cpu_raise(c, EXC_SS, err);
    cpu_desc_set_accessed(c, sel, &d);
    cpu_seg_from_desc(&c->seg[SEG_SS], sel, &d);
}

void cpu_load_seg(struct cpu *c, int sreg, uint16_t sel)
{
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
        load_ss_pm(c, sel, EXC_GP);
        if (was32 != (bool)SEG_ATTR_DB(c->seg[SEG_SS].attr))
            cpu_mode_changed(c);
        return;
    }
    load_data_seg_pm(c, sreg, sel, EXC_GP);
}

void cpu_load_seg_task(struct cpu *c, int sreg, uint16_t sel)
{
    if (sreg == SEG_SS)
        load_ss_pm(c, sel, EXC_TS);
    else
        load_data_seg_pm(c, sreg, sel, EXC_TS);
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
