/* Hardware task switch (386 manual chapter 7; 286 TSS format in chapter 13).
 *
 * 32-bit TSS:                              16-bit (286) TSS:
 *   0x00 back link    0x04.. ESPn/SSn         0x00 back link  0x02.. SPn/SSn
 *   0x1C CR3          0x20 EIP  0x24 EFLAGS   0x0E IP  0x10 FLAGS
 *   0x28 EAX ECX EDX EBX ESP EBP ESI EDI      0x12 AX CX DX BX SP BP SI DI
 *   0x48 ES CS SS DS FS GS (dword slots)      0x22 ES CS SS DS (word slots)
 *   0x60 LDT          0x64 T  0x66 I/O base   0x2A LDT
 *
 * Linux 0.11 switches tasks with a far JMP to a TSS selector on every schedule(), so this
 * is a straight line of reads and writes: the new TSS is read completely before anything
 * changes (a #PF there leaves the old task intact), then the old state is saved, busy bits
 * and the back link updated, and the new state committed. Faults after that point (bad
 * selectors in the new TSS) are raised in the context of the new task (7.5).
 *
 * Speed without a visible difference: each TSS is read or written with one MMU lookup when
 * its fields lie in one page the fast table holds (the TLB statistics still count one access
 * per field, as the field-by-field path makes them), and the descriptors of the new task
 * are read the same way (seg.c, desc.h). tests/unit/cpu_sys/test_cpu_task_paging.c runs
 * the same switches with the fast table on and off and compares everything. */
#include "cpu/desc.h"

struct tss_state {
    uint32_t cr3, eip, eflags, gpr[8];
    uint16_t sreg[6], ldt;
    bool trap;  /* T bit: #DB once the switch is complete */
};

/* The TSS fields a switch reads and writes, in the order the field-by-field accesses go
 * (offset, size). Reads: the whole dynamic state of the new task; writes: what is saved of
 * the old one (CR3, the LDT selector, T and the stack pointers of rings 0-2 are not saved:
 * 386 manual 7.1.2). Selectors sit in dword slots of a 32-bit TSS but only their low word
 * is read or written. */
#define TSS_IN32_N 19
#define TSS_OUT32_N 16
#define TSS_IN16_N 15
#define TSS_OUT16_N 14
static const uint8_t tss_in32[TSS_IN32_N][2] = {
    {0x1C, 4}, {0x20, 4}, {0x24, 4}, {0x28, 4}, {0x2C, 4}, {0x30, 4}, {0x34, 4}, {0x38, 4},
    {0x3C, 4}, {0x40, 4}, {0x44, 4}, {0x48, 2}, {0x4C, 2}, {0x50, 2}, {0x54, 2}, {0x58, 2},
    {0x5C, 2}, {0x60, 2}, {0x64, 2}};
static const uint8_t tss_in16[TSS_IN16_N][2] = {
    {0x0E, 2}, {0x10, 2}, {0x12, 2}, {0x14, 2}, {0x16, 2}, {0x18, 2}, {0x1A, 2}, {0x1C, 2},
    {0x1E, 2}, {0x20, 2}, {0x22, 2}, {0x24, 2}, {0x26, 2}, {0x28, 2}, {0x2A, 2}};
/* the writes are the reads minus CR3 (first) and LDT, T (last) / minus LDT */
static const uint8_t (*const tss_out32)[2] = tss_in32 + 1;
static const uint8_t (*const tss_out16)[2] = tss_in16;

/* The accesses go through the MMU either all at once or one field at a time:
 *  - all at once when the fields' span lies in one page that the fast table holds for this
 *    access (cpu_fast_span): the Linux case, one lookup per switch and TSS;
 *  - else the first field through the general path, which raises #PF if it must and fills
 *    the fast table; if that made the span a fast hit, the other n-1 accesses are taken
 *    from it (the first field is read or written again through the host pointer: same
 *    bytes, same value, nothing in between could change them);
 *  - else (a TSS across a page boundary, MMIO, watched frames, --tlb-check) field by field
 *    in the listed order, so a #PF comes at the same field, with the same CR2, as ever.
 * img is an image of the TSS: img[o] stands for the byte at offset o. */
static void tss_field_read(struct cpu *c, uint32_t b, const uint8_t fl[2], uint8_t *img)
{
    uint32_t lin = b + fl[0];
    if (fl[1] == 4) {
        uint32_t v = lin_read32(c, lin, false);
        memcpy(img + fl[0], &v, 4);
    } else {
        uint16_t v = lin_read16(c, lin, false);
        memcpy(img + fl[0], &v, 2);
    }
}

static void tss_field_write(struct cpu *c, uint32_t b, const uint8_t fl[2], const uint8_t *img)
{
    uint32_t lin = b + fl[0];
    if (fl[1] == 4) {
        uint32_t v;
        memcpy(&v, img + fl[0], 4);
        lin_write32(c, lin, false, v);
    } else {
        uint16_t v;
        memcpy(&v, img + fl[0], 2);
        lin_write16(c, lin, false, v);
    }
}

/* The slower two of the three ways above, out of line. Reads: returns where the byte at
 * offset fl[0][0] is (host memory, or img after the field-by-field reads). Writes: returns
 * the host byte of offset fl[0][0], or NULL when all fields were written one by one. */
static PW_COLD const uint8_t *tss_load_slow(struct cpu *c, uint32_t b, const uint8_t (*fl)[2],
                                            unsigned n, uint8_t *img)
{
    unsigned lo = fl[0][0], len = fl[n - 1][0] + fl[n - 1][1] - lo;
    tss_field_read(c, b, fl[0], img);
    const uint8_t *h = cpu_fast_span(c->mmu, PW_ACC_READ, b + lo, len, n - 1);
    if (h)
        return h;
    for (unsigned i = 1; i < n; i++)
        tss_field_read(c, b, fl[i], img);
    return img + lo;
}

static PW_COLD uint8_t *tss_store_slow(struct cpu *c, uint32_t b, const uint8_t (*fl)[2],
                                       unsigned n, const uint8_t *img)
{
    unsigned lo = fl[0][0], len = fl[n - 1][0] + fl[n - 1][1] - lo;
    tss_field_write(c, b, fl[0], img);
    uint8_t *h = cpu_fast_span(c->mmu, PW_ACC_WRITE, b + lo, len, n - 1);
    if (h)
        return h;
    for (unsigned i = 1; i < n; i++)
        tss_field_write(c, b, fl[i], img);
    return NULL;
}

static inline uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static void read_tss(struct cpu *c, uint32_t b, bool t32, struct tss_state *n)
{
    uint8_t img[0x68];
    /* p[o - lo] is the TSS byte at offset o; segment order in both formats: ES CS SS DS
     * (FS GS) = our SEG_* order */
    if (t32) {
        enum { lo = 0x1C, len = 0x66 - lo };
        const uint8_t *p = cpu_fast_span(c->mmu, PW_ACC_READ, b + lo, len, TSS_IN32_N);
        if (unlikely(p == NULL))
            p = tss_load_slow(c, b, tss_in32, TSS_IN32_N, img);
        n->cr3 = rd32(p + (0x1C - lo));
        n->eip = rd32(p + (0x20 - lo));
        n->eflags = rd32(p + (0x24 - lo));
        memcpy(n->gpr, p + (0x28 - lo), 32); /* EAX..EDI, our R_* order */
        n->sreg[SEG_ES] = rd16(p + (0x48 - lo));
        n->sreg[SEG_CS] = rd16(p + (0x4C - lo));
        n->sreg[SEG_SS] = rd16(p + (0x50 - lo));
        n->sreg[SEG_DS] = rd16(p + (0x54 - lo));
        n->sreg[SEG_FS] = rd16(p + (0x58 - lo));
        n->sreg[SEG_GS] = rd16(p + (0x5C - lo));
        n->ldt = rd16(p + (0x60 - lo));
        n->trap = rd16(p + (0x64 - lo)) & 1u;
    } else {
        enum { lo = 0x0E, len = 0x2C - lo };
        const uint8_t *p = cpu_fast_span(c->mmu, PW_ACC_READ, b + lo, len, TSS_IN16_N);
        if (unlikely(p == NULL))
            p = tss_load_slow(c, b, tss_in16, TSS_IN16_N, img);
        n->cr3 = c->cr3; /* a 286 TSS has no CR3: the current one stays */
        n->eip = rd16(p + (0x0E - lo));
        n->eflags = rd16(p + (0x10 - lo));
        /* upper halves of the registers are not part of a 286 task: kept */
        for (int i = 0; i < 8; i++)
            n->gpr[i] = (c->gpr[i] & 0xFFFF0000u) | rd16(p + (0x12 - lo) + 2 * i);
        for (int i = 0; i < 4; i++)
            n->sreg[i] = rd16(p + (0x22 - lo) + 2 * i);
        n->sreg[SEG_FS] = n->sreg[SEG_GS] = 0;
        n->ldt = rd16(p + (0x2A - lo));
        n->trap = false;
    }
}

/* The saved fields of a 32-bit TSS at h = the byte at offset 0x20 (EIP). EIP, EFLAGS and the
 * registers are contiguous; of the selector slots only the low words are written. */
static inline void put_tss32(uint8_t *h, const struct cpu *c, uint32_t eflags)
{
    memcpy(h, &c->eip, 4);
    memcpy(h + 0x04, &eflags, 4);
    memcpy(h + 0x08, c->gpr, 32);
    memcpy(h + 0x28, &c->seg[SEG_ES].sel, 2);
    memcpy(h + 0x2C, &c->seg[SEG_CS].sel, 2);
    memcpy(h + 0x30, &c->seg[SEG_SS].sel, 2);
    memcpy(h + 0x34, &c->seg[SEG_DS].sel, 2);
    memcpy(h + 0x38, &c->seg[SEG_FS].sel, 2);
    memcpy(h + 0x3C, &c->seg[SEG_GS].sel, 2);
}

static void save_tss(struct cpu *c, uint32_t b, bool t32, uint32_t eflags)
{
    uint8_t img[0x68];
    if (t32) {
        enum { lo = 0x20, len = 0x5E - lo };
        uint8_t *h = cpu_fast_span(c->mmu, PW_ACC_WRITE, b + lo, len, TSS_OUT32_N);
        if (likely(h != NULL)) {
            put_tss32(h, c, eflags);
            return;
        }
        put_tss32(img + lo, c, eflags);
        h = tss_store_slow(c, b, tss_out32, TSS_OUT32_N, img);
        if (h)
            put_tss32(h, c, eflags);
    } else {
        enum { lo = 0x0E, len = 0x2A - lo };
        uint16_t w[TSS_OUT16_N]; /* IP FLAGS AX..DI ES CS SS DS: contiguous words */
        w[0] = (uint16_t)c->eip;
        w[1] = (uint16_t)eflags;
        for (int i = 0; i < 8; i++)
            w[2 + i] = (uint16_t)c->gpr[i];
        for (int i = 0; i < 4; i++)
            w[10 + i] = c->seg[i].sel;
        memcpy(img + lo, w, sizeof w);
        uint8_t *h = cpu_fast_span(c->mmu, PW_ACC_WRITE, b + lo, len, TSS_OUT16_N);
        if (unlikely(h == NULL))
            h = tss_store_slow(c, b, tss_out16, TSS_OUT16_N, img);
        if (h)
            memcpy(h, w, sizeof w);
    }
}

static bool tss_is32(unsigned type)
{
    return type == DT_TSS32 || type == DT_TSS32_BUSY;
}

/* LDT selector of the new task: global, an LDT descriptor, present; all failures #TS. */
static void load_task_ldt(struct cpu *c, uint16_t sel)
{
    if ((sel & 0xFFFCu) == 0) {
        cpu_seg_null(&c->ldtr, sel);
        return;
    }
    uint32_t err = sel & 0xFFFCu;
    struct cpu_desc d;
    if (sel & 4)
        cpu_raise(c, EXC_TS, err);
    cpu_desc_read_or_raise(c, sel, &d, EXC_TS, 0);
    if (desc_s(&d) || desc_type(&d) != DT_LDT || !desc_p(&d))
        cpu_raise(c, EXC_TS, err);
    cpu_seg_from_desc(&c->ldtr, sel, &d);
}

/* CS of the new task, at CPL = its RPL. */
static void load_task_cs(struct cpu *c, uint16_t sel)
{
    uint32_t err = sel & 0xFFFCu;
    if (err == 0)
        cpu_raise(c, EXC_TS, 0);
    struct cpu_desc d;
    uint32_t a;
    struct mmu_fast *f = cpu_desc_peek(c, sel, &d, &a);
    if (likely(f != NULL)) {
        /* the usual case, with the effects of the general path below: a present code
         * segment, accessed already, DPL = RPL (conforming: DPL <= RPL); see seg.c */
        unsigned ab = (d.hi >> 8) & 0xFFu, dpl = (ab >> 5) & 3u, rpl = sel & 3u;
        if ((ab & 0x99u) == 0x99u && ((ab & 0x04u) ? dpl <= rpl : dpl == rpl)) {
            cpu_desc_peek_use(c, f, a);
            cpu_seg_from_desc(&c->seg[SEG_CS], sel, &d);
            return;
        }
    }
    cpu_desc_read_or_raise(c, sel, &d, EXC_TS, 0);
    unsigned rpl = sel & 3u;
    if (!desc_code(&d) || (desc_conforming(&d) ? desc_dpl(&d) > rpl : desc_dpl(&d) != rpl))
        cpu_raise(c, EXC_TS, err);
    if (!desc_p(&d))
        cpu_raise(c, EXC_NP, err);
    cpu_desc_set_accessed(c, sel, &d);
    cpu_seg_from_desc(&c->seg[SEG_CS], sel, &d);
}

static void publish_switch(struct cpu *c, uint16_t from, uint16_t to, enum cpu_task_cause why,
                           uint32_t old_cr3)
{
    if (PW_WANTS(c->events, PW_EV_TASK_SWITCH)) {
        static const uint8_t cause[] = {PW_TS_JMP, PW_TS_CALL, PW_TS_IRET, PW_TS_INT};
        struct pw_event ev = {.kind = PW_EV_TASK_SWITCH};
        ev.task.from_sel = from;
        ev.task.to_sel = to;
        ev.task.cause = cause[why];
        ev.task.old_cr3 = old_cr3;
        ev.task.new_cr3 = c->cr3;
        pw_events_publish(c->events, &ev);
    }
}

void cpu_task_switch(struct cpu *c, uint16_t sel, struct cpu_desc *d, enum cpu_task_cause why,
                     bool has_err, uint32_t err)
{
    /* EXT only when an exception or hardware interrupt is being delivered */
    uint32_t ext = (why == TASK_INT && c->sys_ext) ? 1u : 0u;
    bool n32 = tss_is32(desc_type(d));
    uint32_t nbase = desc_base(d);
    /* the new TSS must hold a whole task state (7.2.1): #TS(new TSS) */
    if (desc_limit(d) < (n32 ? 0x67u : 0x2Bu))
        cpu_raise(c, EXC_TS, (sel & 0xFFFCu) | ext);
    bool o32 = tss_is32(SEG_ATTR_TYPE(c->tr.attr));
    if (!c->tr.valid || c->tr.limit < (o32 ? 0x5Fu : 0x29u))
        cpu_raise(c, EXC_TS, (c->tr.sel & 0xFFFCu) | ext);

    struct tss_state n;
    read_tss(c, nbase, n32, &n);

    /* save the outgoing task; IRET leaves it with NT clear (7.6) */
    uint32_t ofl = cpu_get_eflags(c);
    if (why == TASK_IRET)
        ofl &= ~FL_NT;
    save_tss(c, c->tr.base, o32, ofl);

    /* busy bits: JMP and IRET free the old task; JMP, CALL and interrupts mark the new
     * one busy (IRET returns to a task that is still busy). CALL and interrupts nest:
     * back link and NT (7.6, table 7-2). */
    uint16_t old_sel = c->tr.sel;
    if (why == TASK_JMP || why == TASK_IRET) {
        struct cpu_desc od;
        uint32_t a;
        struct mmu_fast *f = cpu_desc_peek(c, old_sel, &od, &a);
        if (likely(f != NULL))
            cpu_desc_peek_use(c, f, a); /* read as cpu_desc_read would */
        if (f || cpu_desc_read(c, old_sel, &od)) {
            od.hi &= ~0x200u;
            cpu_desc_write_type(c, old_sel, &od);
        }
    }
    if (why == TASK_CALL || why == TASK_INT) {
        lin_write16(c, nbase, false, old_sel);
        n.eflags |= FL_NT;
    }
    if (why != TASK_IRET) {
        d->hi |= 0x200u;
        cpu_desc_write_type(c, sel, d);
    }

    /* ---- commit: from here on the new task is current ---- */
    cpu_seg_from_desc(&c->tr, sel, d);
    c->cr0 |= CR0_TS;
    uint32_t old_cr3 = c->cr3;
    if (n32 && n.cr3 != c->cr3) {
        /* a task switch to the same CR3 does not flush the TLB */
        c->cr3 = n.cr3 & (c->model >= CPU_486 ? 0xFFFFF018u : 0xFFFFF000u);
        if (PW_WANTS(c->events, PW_EV_CR_WRITE)) {
            struct pw_event ev = {.kind = PW_EV_CR_WRITE};
            ev.cr.cr = 3;
            ev.cr.old_val = old_cr3;
            ev.cr.new_val = c->cr3;
            pw_events_publish(c->events, &ev);
        }
        mmu_set_cr3(c->mmu, c->cr3, PW_FLUSH_TASK_SWITCH);
    }
    memcpy(c->gpr, n.gpr, sizeof n.gpr);
    c->eip = n.eip;
    /* faults from here on belong to the new task: they restart at its EIP */
    c->insn_eip = n.eip;
    uint32_t valid = FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT | FL_RF | FL_VM;
    if (c->model >= CPU_486)
        valid |= FL_AC;
    cpu_set_eflags(c, (n.eflags & valid) | 0x2u);
    for (int i = 0; i < 6; i++)
        c->seg[i].sel = n.sreg[i];
    publish_switch(c, old_sel, sel, why, old_cr3);

    load_task_ldt(c, n.ldt);
    if (n.eflags & FL_VM) {
        /* a V86 task: real-mode style segments at CPL 3 (15.1) */
        for (int i = 0; i < 6; i++)
            cpu_seg_v86(&c->seg[i], n.sreg[i], i == SEG_CS);
        c->cpl = 3;
        cpu_mode_changed(c);
    } else {
        c->cpl = n.sreg[SEG_CS] & 3u;
        load_task_cs(c, n.sreg[SEG_CS]);
        cpu_mode_changed(c);
        cpu_load_task_data_segs(c, n.sreg);
        cpu_mode_changed(c);
    }
    if (has_err) {
        /* an exception through a task gate: its error code goes on the new task's stack */
        unsigned sz = n32 ? 4 : 2;
        struct cpu_stk s;
        cpu_stk_from_seg(&s, &c->seg[SEG_SS], c->gpr[R_ESP], c->cpl == 3);
        if (!cpu_stk_room_push(&s, sz))
            cpu_raise(c, EXC_SS, ext);
        cpu_stk_push(c, &s, err, sz);
        cpu_stk_commit(c, &s);
    }
    if (c->eip > c->seg[SEG_CS].limit)
        cpu_raise(c, EXC_GP, ext);
    if (n.trap) {
        /* debug trap on entry to the task, before its first instruction: DR6.BT (12.3.1.5) */
        c->dr[6] |= 0x8000u;
        cpu_raise(c, EXC_DB, CPU_NO_ERR);
    }
}
