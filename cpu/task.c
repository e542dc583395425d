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
 * selectors in the new TSS) are raised in the context of the new task (7.5). */
#include "cpu/desc.h"

struct tss_state {
    uint32_t cr3, eip, eflags, gpr[8];
    uint16_t sreg[6], ldt;
    bool trap;  /* T bit: #DB once the switch is complete */
};

/* The fields of a 32-bit TSS after the first one through one host pointer. The caller has
 * made the first access through the general path (which raises any #PF and fills the MMU's
 * fast table); when all the fields lie in that page and the fast table now holds it for
 * this kind of access (plain RAM, no watch, no --tlb-check), each further field access
 * would be a fast hit on the same entry: so one use of it, and the hits counted, give the
 * same TLB state and statistics as the field-by-field accesses. Returns the host byte of
 * lin first, or NULL (then the caller goes on field by field). */
static uint8_t *tss_page(struct cpu *c, int acc, uint32_t first, uint32_t last, unsigned more)
{
    if ((first ^ last) & PAGE_MASK)
        return NULL;
    struct mmu *m = c->mmu;
    struct mmu_fast *f = mmu_fast_slot(m, acc, false, first);
    if (f->tag != (first & PAGE_MASK))
        return NULL;
    uint8_t *h = mmu_fast_use(m, f, first);
    uint64_t extra = f->tlb_index >= 0 ? (uint64_t)(more - 1) : 0;
    m->stats.lookups += extra;
    m->stats.hits += extra;
    return h;
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
    /* segment order in both TSS formats: ES CS SS DS (FS GS) = our SEG_* order */
    if (t32) {
        n->cr3 = lin_read32(c, b + 0x1C, false);
        /* 18 more reads: EIP, EFLAGS, 8 registers, 6 selectors, LDT, T */
        const uint8_t *h = tss_page(c, PW_ACC_READ, b + 0x1C, b + 0x65, 18);
        if (h) {
            h -= 0x1C; /* h[o] is the TSS byte at offset o */
            n->eip = rd32(h + 0x20);
            n->eflags = rd32(h + 0x24);
            for (int i = 0; i < 8; i++)
                n->gpr[i] = rd32(h + 0x28 + 4 * i);
            for (int i = 0; i < 6; i++)
                n->sreg[i] = rd16(h + 0x48 + 4 * i);
            n->ldt = rd16(h + 0x60);
            n->trap = rd16(h + 0x64) & 1u;
            return;
        }
        n->eip = lin_read32(c, b + 0x20, false);
        n->eflags = lin_read32(c, b + 0x24, false);
        for (int i = 0; i < 8; i++)
            n->gpr[i] = lin_read32(c, b + 0x28 + 4 * (uint32_t)i, false);
        for (int i = 0; i < 6; i++)
            n->sreg[i] = lin_read16(c, b + 0x48 + 4 * (uint32_t)i, false);
        n->ldt = lin_read16(c, b + 0x60, false);
        n->trap = lin_read16(c, b + 0x64, false) & 1u;
    } else {
        n->cr3 = c->cr3; /* a 286 TSS has no CR3: the current one stays */
        n->eip = lin_read16(c, b + 0x0E, false);
        n->eflags = lin_read16(c, b + 0x10, false);
        /* upper halves of the registers are not part of a 286 task: kept */
        for (int i = 0; i < 8; i++)
            n->gpr[i] = (c->gpr[i] & 0xFFFF0000u) | lin_read16(c, b + 0x12 + 2 * (uint32_t)i, false);
        for (int i = 0; i < 4; i++)
            n->sreg[i] = lin_read16(c, b + 0x22 + 2 * (uint32_t)i, false);
        n->sreg[SEG_FS] = n->sreg[SEG_GS] = 0;
        n->ldt = lin_read16(c, b + 0x2A, false);
        n->trap = false;
    }
}

static void save_tss(struct cpu *c, uint32_t b, bool t32, uint32_t eflags)
{
    if (t32) {
        lin_write32(c, b + 0x20, false, c->eip);
        /* 15 more writes: EFLAGS, 8 registers, 6 selectors (see tss_page) */
        uint8_t *h = tss_page(c, PW_ACC_WRITE, b + 0x20, b + 0x5D, 15);
        if (h) {
            h -= 0x20;
            memcpy(h + 0x24, &eflags, 4);
            for (int i = 0; i < 8; i++)
                memcpy(h + 0x28 + 4 * i, &c->gpr[i], 4);
            for (int i = 0; i < 6; i++)
                memcpy(h + 0x48 + 4 * i, &c->seg[i].sel, 2);
            return;
        }
        lin_write32(c, b + 0x24, false, eflags);
        for (int i = 0; i < 8; i++)
            lin_write32(c, b + 0x28 + 4 * (uint32_t)i, false, c->gpr[i]);
        for (int i = 0; i < 6; i++)
            lin_write16(c, b + 0x48 + 4 * (uint32_t)i, false, c->seg[i].sel);
    } else {
        lin_write16(c, b + 0x0E, false, (uint16_t)c->eip);
        lin_write16(c, b + 0x10, false, (uint16_t)eflags);
        for (int i = 0; i < 8; i++)
            lin_write16(c, b + 0x12 + 2 * (uint32_t)i, false, (uint16_t)c->gpr[i]);
        for (int i = 0; i < 4; i++)
            lin_write16(c, b + 0x22 + 2 * (uint32_t)i, false, c->seg[i].sel);
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
        if (cpu_desc_read(c, old_sel, &od)) {
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
    for (int i = 0; i < 8; i++)
        c->gpr[i] = n.gpr[i];
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
        cpu_load_seg_task(c, SEG_SS, n.sreg[SEG_SS]);
        cpu_load_seg_task(c, SEG_ES, n.sreg[SEG_ES]);
        cpu_load_seg_task(c, SEG_DS, n.sreg[SEG_DS]);
        cpu_load_seg_task(c, SEG_FS, n.sreg[SEG_FS]);
        cpu_load_seg_task(c, SEG_GS, n.sreg[SEG_GS]);
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
