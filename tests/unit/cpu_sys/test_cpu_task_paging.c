/* Task switches with paging on: the one-lookup-per-page TSS and descriptor accesses must be
 * indistinguishable from field-by-field accesses, and a TSS across a page boundary faults
 * where the manual says.
 *
 * Exactness: three machines run the same switches. X as is; Y with --tlb-check on, which
 * keeps the MMU's fast table empty, so every TSS field and descriptor dword goes through
 * the general path one by one (the reference); Z with the fast table dropped before every
 * step, so each first access of a group misses and the rest take the "first field, then the
 * span" way. After every step the CPU state, the whole RAM (A/D bits in the page tables
 * included), the TLB statistics and every TLB entry with its replacement stamp must agree.
 * A 4-entry 2-way LRU TLB makes the order of uses matter. */
#include <stdlib.h>

#include "fixture.h"

#define PD_A 0x20000u  /* page directory of tasks A, B, D, E (TSS C uses PD_C) */
#define PD_C 0x22000u
#define PT_0 0x21000u  /* identity map of the first 4 MiB, shared by both directories */
#define TSS_D 0x6FD0u  /* 32-bit TSS across the 0x7000 page boundary: fields 0x30.. on page 7 */
#define TSS_E 0x4E00u  /* ring-3 task with LDT data segments */
#define S_TSSD 0xB0
#define S_TSSE 0xBB     /* DPL 3 */

static void pte_set(struct fx *f, uint32_t page, uint32_t v)
{
    wr32(f, PT_0 + (page >> 12) * 4, v);
}

static struct fx *machine(void)
{
    struct fx *f = malloc(sizeof *f);
    if (!f)
        exit(2);
    fx_init(f, CPU_386);
    struct mmu_tlb_config cfg = {.mode = TLB_SETASSOC, .sets = 2, .ways = 2, .policy = TLB_LRU};
    if (mmu_set_tlb_config(&f->m, &cfg) != 0)
        exit(2);
    struct cpu *c = &f->c;
    for (uint32_t p = 0; p < 1024; p++)
        pte_set(f, p << 12, (p << 12) | PTE_P | PTE_RW | PTE_US);
    wr32(f, PD_A, PT_0 | PTE_P | PTE_RW | PTE_US);
    wr32(f, PD_C, PT_0 | PTE_P | PTE_RW | PTE_US);
    wr32(f, TSS_A + 0x1C, PD_A);
    wr32(f, TSS_B + 0x1C, PD_A);
    wr32(f, TSS_C + 0x1C, PD_C);
    fill_tss32(f, TSS_D, PD_A, 0x12200, S_CODE0, S_DATA0, S_DATA0, 0x7400);
    for (int i = 0; i < 8; i++)
        if (i != R_ESP)
            wr32(f, TSS_D + 0x28 + 4 * (uint32_t)i, 0xD0000000u + (uint32_t)i);
    /* B's FS: read-only data, its accessed bit still clear when the GDT page is already in
     * the fast table (the quick load must not take it) */
    wr16(f, TSS_B + 0x58, S_DATA_RO);
    /* ring 3 with the fixture's LDT: ES = FS = GS = LDT data (0x07), DS = LDT readable
     * code (0x0F, accessed bit clear, read once the LDT page is in the fast table) */
    fill_tss32(f, TSS_E, PD_A, 0x13000, S_CODE3, S_DATA3, 0x0F, STK3_TOP);
    wr16(f, TSS_E + 0x48, 0x07);
    wr16(f, TSS_E + 0x58, 0x07);
    wr16(f, TSS_E + 0x5C, 0x07);
    wr16(f, TSS_E + 0x60, S_LDT);
    /* 286 TSS: a ring-0 task */
    for (uint32_t i = 0; i < 0x2C; i += 2)
        wr16(f, TSS16_BASE + i, 0);
    wr16(f, TSS16_BASE + 0x0E, 0x2000);
    wr16(f, TSS16_BASE + 0x10, 0x0002);
    wr16(f, TSS16_BASE + 0x1A, 0x0800);
    wr16(f, TSS16_BASE + 0x22, S_DATA0);
    wr16(f, TSS16_BASE + 0x24, S_CODE0);
    wr16(f, TSS16_BASE + 0x26, S_DATA0);
    wr16(f, TSS16_BASE + 0x28, S_DATA0);
    set_desc(f, GDT_BASE, S_TSSD >> 3, TSS_D, 0x67, 0x89, 0);
    set_desc(f, GDT_BASE, S_TSSE >> 3, TSS_E, 0x67, 0xE9, 0);
    c->gdtr.limit = 24 * 8 - 1;
    set_gate(f, IDT_BASE, EXC_GP, S_TSSB, 0, 0x85, 0);
    TRY(f, cpu_write_cr(c, 3, PD_A); cpu_write_cr(c, 0, c->cr0 | CR0_PG));
    if (f->exc >= 0)
        exit(2);
    return f;
}

/* Step k of the scenario, the same on every machine. */
static void step(struct fx *f, int k)
{
    struct cpu *c = &f->c;
    c->eip = c->insn_eip = 0x10100 + 0x10 * (uint32_t)k;
    switch (k) {
    case 0: TRY(f, cpu_jmp_far(c, S_TSSB, 0)); break;          /* accessed bits get set */
    case 1: TRY(f, cpu_jmp_far(c, S_TSSA, 0)); break;
    case 2: TRY(f, cpu_jmp_far(c, S_TSSB, 0)); break;          /* all quick now */
    case 3: TRY(f, cpu_jmp_far(c, S_TSSA, 0)); break;
    case 4: TRY(f, cpu_call_far(c, S_TSSC, 0, true)); break;   /* new CR3: TLB flush */
    case 5: TRY(f, cpu_iret(c, true)); break;
    case 6: TRY(f, cpu_call_far(c, S_TSS16, 0, true)); break;  /* 286 TSS */
    case 7: TRY(f, cpu_iret(c, false)); break;
    case 8: TRY(f, cpu_jmp_far(c, S_TSSD, 0)); break;          /* TSS across two pages */
    case 9: TRY(f, cpu_jmp_far(c, S_TSSA, 0)); break;
    case 10: /* an exception through a task gate, error code on B's stack */
        TRY(f, cpu_deliver_exception(c, EXC_GP, 0x38));
        c->fault_depth = 0;
        break;
    case 11: TRY(f, cpu_iret(c, true)); break;
    case 12: TRY(f, cpu_call_far(c, S_TSSE, 0, true)); break;  /* ring 3, LDT segments */
    case 13: TRY(f, cpu_iret(c, true)); break;
    case 14: /* a not-present DS in B: #NP in the new task */
        wr16(f, TSS_B + 0x54, S_DATA_NP);
        TRY(f, cpu_jmp_far(c, S_TSSB, 0));
        break;
    }
}
#define NSTEPS 15

static void same_seg(const struct cpu_seg *a, const struct cpu_seg *b)
{
    CHECK_EQ(a->sel, b->sel);
    CHECK_EQ(a->base, b->base);
    CHECK_EQ(a->limit, b->limit);
    CHECK_EQ(a->attr, b->attr);
    CHECK_EQ(a->valid, b->valid);
}

static void same_machine(struct fx *x, struct fx *y, int k)
{
    int before = test_failed;
    CHECK_EQ(x->exc, y->exc);
    CHECK_EQ(x->err, y->err);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(x->c.gpr[i], y->c.gpr[i]);
    CHECK_EQ(x->c.eip, y->c.eip);
    CHECK_EQ(cpu_get_eflags(&x->c), cpu_get_eflags(&y->c));
    for (int i = 0; i < 6; i++)
        same_seg(&x->c.seg[i], &y->c.seg[i]);
    same_seg(&x->c.tr, &y->c.tr);
    same_seg(&x->c.ldtr, &y->c.ldtr);
    CHECK_EQ(x->c.cpl, y->c.cpl);
    CHECK_EQ(x->c.cr0, y->c.cr0);
    CHECK_EQ(x->c.cr2, y->c.cr2);
    CHECK_EQ(x->c.cr3, y->c.cr3);
    CHECK(memcmp(x->p.ram, y->p.ram, x->p.ram_size) == 0);
    const struct mmu_tlb_stats sa = mmu_stats(&x->m), sb = mmu_stats(&y->m), *a = &sa, *b = &sb;
    CHECK_EQ(a->lookups, b->lookups);
    CHECK_EQ(a->hits, b->hits);
    CHECK_EQ(a->misses, b->misses);
    CHECK_EQ(a->walks, b->walks);
    CHECK_EQ(a->fills, b->fills);
    CHECK_EQ(a->evictions, b->evictions);
    CHECK_EQ(a->page_faults, b->page_faults);
    CHECK_EQ(a->flushes[PW_FLUSH_TASK_SWITCH], b->flushes[PW_FLUSH_TASK_SWITCH]);
    CHECK_EQ(x->m.tlb_n, y->m.tlb_n);
    unsigned ways = x->m.cfg.ways;
    for (unsigned i = 0; i < x->m.tlb_n && i < y->m.tlb_n; i++) {
        const struct mmu_tlb_entry *e = &x->m.tlb[i], *g = &y->m.tlb[i];
        CHECK_EQ(e->valid, g->valid);
        if (!e->valid || !g->valid)
            continue;
        CHECK_EQ(e->lin, g->lin);
        CHECK_EQ(e->pte, g->pte);
        /* LRU: the same order of last use within the set. (The stamps themselves differ:
         * the general path stamps every hit, a fast hit on the entry used last does not,
         * which is the MMU's own rule for all accesses.) */
        for (unsigned j = i - i % ways; j < i; j++)
            if (x->m.tlb[j].valid && y->m.tlb[j].valid)
                CHECK_EQ(x->m.tlb[j].stamp < e->stamp, y->m.tlb[j].stamp < g->stamp);
    }
    if (test_failed != before)
        fprintf(stderr, "  (after step %d)\n", k);
}

static void test_fast_equals_field_by_field(void)
{
    struct fx *x = machine(), *y = machine(), *z = machine();
    mmu_set_tlb_check(&y->m, true);
    for (int k = 0; k < NSTEPS; k++) {
        mmu_flush_fast(&z->m);
        step(x, k);
        step(y, k);
        step(z, k);
        same_machine(x, y, k);
        same_machine(x, z, k);
    }
    /* the scenario did what it says: the last step faulted in B with #NP(DS) */
    CHECK_EQ(x->exc, EXC_NP);
    CHECK_EQ(x->err, S_DATA_NP);
    CHECK_EQ(x->c.tr.sel, S_TSSB);
    /* and the fast machine really took the fast way (no slow hits in most steps) */
    CHECK(x->m.slow_hits < y->m.slow_hits);
    for (struct fx **p = (struct fx *[]){x, y, z, NULL}; *p; p++) {
        fx_free(*p);
        free(*p);
    }
}

/* A TSS whose second page is not present. 386 manual 7.1: "the processor raises an exception
 * if it encounters the not-present page while reading the TSS during a task switch". The new
 * TSS is read completely before anything is written or changed, so the #PF leaves the old
 * task as it was: TR, busy bits, registers, the old TSS. CR2 is the first byte read on the
 * missing page (TSS_D + 0x30, EDX, at 0x7000); the error code is a supervisor read of a
 * not-present page (0). */
static void test_new_tss_across_missing_page(void)
{
    struct fx *f = machine();
    struct cpu *c = &f->c;
    pte_set(f, 0x7000, 0);
    TRY(f, cpu_write_cr(c, 3, PD_A)); /* flush the TLB (no INVLPG on a 386) */
    wr32(f, TSS_A + 0x20, 0x5EA1u);   /* sentinel in A's EIP slot */
    uint8_t busy_a = desc_access(f, S_TSSA), busy_d = desc_access(f, S_TSSD);
    for (int i = 0; i < 8; i++)
        c->gpr[i] = 0xA0000000u + (uint32_t)i;
    c->eip = c->insn_eip = 0x10200;
    TRY(f, cpu_jmp_far(c, S_TSSD, 0));
    CHECK_EQ(f->exc, EXC_PF);
    CHECK_EQ(f->err, 0u);
    CHECK_EQ(c->cr2, 0x7000u);
    CHECK_EQ(c->tr.sel, S_TSSA);
    CHECK_EQ(c->eip, 0x10200u);
    CHECK_EQ(c->cr3, (uint32_t)PD_A);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(c->gpr[i], 0xA0000000u + (uint32_t)i);
    CHECK_EQ(rd32(f, TSS_A + 0x20), 0x5EA1u);
    CHECK_EQ(desc_access(f, S_TSSA), busy_a);
    CHECK_EQ(desc_access(f, S_TSSD), busy_d);
    /* the page made present, the same JMP completes: D's registers straddle the boundary */
    pte_set(f, 0x7000, 0x7000 | PTE_P | PTE_RW | PTE_US);
    TRY(f, cpu_jmp_far(c, S_TSSD, 0));
    CHECK_EQ(f->exc, -1);
    CHECK_EQ(c->tr.sel, S_TSSD);
    CHECK_EQ(c->eip, 0x12200u);
    CHECK_EQ(c->gpr[R_EAX], 0xD0000000u);
    CHECK_EQ(c->gpr[R_EDX], 0xD0000002u);
    CHECK_EQ(c->gpr[R_EDI], 0xD0000007u);
    CHECK_EQ(c->gpr[R_ESP], 0x7400u);
    CHECK_EQ(rd32(f, TSS_A + 0x20), 0x10200u);
    fx_free(f);
    free(f);
}

/* The outgoing TSS across a missing page: the new TSS is read, then saving the old state
 * faults at the first field on the missing page, a supervisor write (error code 2). The
 * switch has not happened: TR and both busy bits are as before, and the JMP restarts. */
static void test_old_tss_across_missing_page(void)
{
    struct fx *f = machine();
    struct cpu *c = &f->c;
    TRY(f, cpu_jmp_far(c, S_TSSD, 0));
    CHECK_EQ(f->exc, -1);
    pte_set(f, 0x7000, 0);
    TRY(f, cpu_write_cr(c, 3, PD_A));
    uint8_t busy_a = desc_access(f, S_TSSA), busy_d = desc_access(f, S_TSSD);
    c->eip = c->insn_eip = 0x12210;
    TRY(f, cpu_jmp_far(c, S_TSSA, 0));
    CHECK_EQ(f->exc, EXC_PF);
    CHECK_EQ(f->err, PF_ERR_W);
    CHECK_EQ(c->cr2, 0x7000u);
    CHECK_EQ(c->tr.sel, S_TSSD);
    CHECK_EQ(c->eip, 0x12210u);
    CHECK_EQ(desc_access(f, S_TSSA), busy_a);
    CHECK_EQ(desc_access(f, S_TSSD), busy_d);
    fx_free(f);
    free(f);
}

int main(void)
{
    test_fast_equals_field_by_field();
    test_new_tss_across_missing_page();
    test_old_tss_across_missing_page();
    return test_summary("test_cpu_task_paging");
}
