/* The TLB model: stale entries (and --tlb-check), invalidation, the D bit going back to the
 * tables, replacement policies with known sequences and victims, events and statistics,
 * --tlb parsing. */
#include <stdio.h>

#include "fixture.h"

#define F1 0x00010000u
#define F2 0x00011000u
#define L 0x00400000u /* PDX 1 */

/* ---- an event recorder ---- */

#define REC_MAX 256
struct rec {
    int n[PW_EV_COUNT];
    struct pw_event last[PW_EV_COUNT];
    uint32_t evict_lin[REC_MAX];
    int evict_way[REC_MAX];
    int nevict;
};

static void rec_fn(void *opaque, const struct pw_event *ev)
{
    struct rec *r = opaque;
    r->n[ev->kind]++;
    r->last[ev->kind] = *ev;
    if (ev->kind == PW_EV_TLB_EVICT && r->nevict < REC_MAX) {
        r->evict_lin[r->nevict] = ev->tlb.lin;
        r->evict_way[r->nevict++] = ev->tlb.way;
    }
}

static uint32_t fake_eip(void *opaque)
{
    return *(uint32_t *)opaque;
}

static uint32_t rd(struct fx *f, uint32_t lin)
{
    uint32_t v = 0xBAD;
    CHECK(mmu_read32(&f->mmu, lin, true, &v));
    return v;
}

/* ---- stale entries ---- */

static void test_stale(int model, const struct mmu_tlb_config *cfg, bool expect_stale)
{
    struct fx f;
    struct rec r = { 0 };
    uint32_t eip = 0x1234;
    fx_init(&f, 1u << 20, model, cfg);
    pw_events_subscribe(&f.ev, ~0u, rec_fn, &r);
    f.mmu.get_eip = fake_eip;
    f.mmu.get_eip_opaque = &eip;
    fx_wr32(&f, F1, 0x1111);
    fx_wr32(&f, F2, 0x2222);
    fx_map(&f, L, F1, PTE_P | PTE_RW | PTE_US, 0);
    fx_paging_on(&f, false);

    CHECK_EQ(rd(&f, L), 0x1111);
    CHECK_EQ(rd(&f, L), 0x1111); /* fast path */
    /* The kernel changes the PTE and forgets to invalidate. */
    fx_map(&f, L, F2, PTE_P | PTE_RW | PTE_US, 0);
    CHECK_EQ(rd(&f, L), expect_stale ? 0x1111u : 0x2222u);
    CHECK_EQ(mmu_stats(&f.mmu).stale_uses, 0); /* nobody was checking */

    mmu_set_tlb_check(&f.mmu, true);
    eip = 0x5678;
    CHECK_EQ(rd(&f, L), expect_stale ? 0x1111u : 0x2222u); /* still used */
    CHECK_EQ(rd(&f, L), expect_stale ? 0x1111u : 0x2222u);
    CHECK_EQ(mmu_stats(&f.mmu).stale_uses, expect_stale ? 2u : 0u);
    CHECK_EQ(r.n[PW_EV_TLB_STALE], expect_stale ? 2 : 0);
    if (expect_stale) {
        const struct pw_event *e = &r.last[PW_EV_TLB_STALE];
        CHECK_EQ(e->stale.eip, 0x5678);
        CHECK_EQ(e->stale.lin, L);
        CHECK_EQ(e->stale.cached_phys, F1);
        CHECK_EQ(e->stale.cached_pte & PAGE_MASK, F1);
        CHECK_EQ(e->stale.current_pte & PAGE_MASK, F2);
        CHECK_EQ(e->stale.acc, PW_ACC_READ);
    }

    /* Invalidate: INVLPG on a 486, a CR3 write otherwise. */
    if (model == 486)
        mmu_invlpg(&f.mmu, L + 0x123);
    else
        mmu_set_cr3(&f.mmu, FX_CR3, PW_FLUSH_CR3);
    CHECK_EQ(rd(&f, L), 0x2222);
    uint64_t stale = mmu_stats(&f.mmu).stale_uses;
    CHECK_EQ(rd(&f, L), 0x2222);
    CHECK_EQ(mmu_stats(&f.mmu).stale_uses, stale);

    /* Now unmap it without invalidating: the stale entry still translates, checker reports
     * current_pte = 0. */
    fx_wr32(&f, fx_pte_addr(L), 0);
    uint32_t v = 0;
    bool ok = mmu_read32(&f.mmu, L, true, &v);
    CHECK_EQ(ok, expect_stale);
    if (expect_stale) {
        CHECK_EQ(v, 0x2222);
        CHECK_EQ(r.last[PW_EV_TLB_STALE].stale.current_pte, 0);
    } else {
        CHECK_EQ(f.mmu.fault.err, PF_ERR_U);
    }
    mmu_set_tlb_check(&f.mmu, false);
    CHECK_EQ(mmu_read32(&f.mmu, L, true, &v), expect_stale);
    fx_free(&f);
}

/* ---- the D bit ---- */

static void test_dirty(void)
{
    struct fx f;
    fx_init(&f, 1u << 20, 386, NULL);
    fx_map(&f, L, F1, PTE_P | PTE_RW | PTE_US, 0);
    fx_paging_on(&f, false);
    rd(&f, L);
    CHECK_EQ(fx_rd32(&f, fx_pte_addr(L)) & (PTE_A | PTE_D), PTE_A);
    const struct mmu_tlb_entry *e = mmu_tlb_peek(&f.mmu, L);
    CHECK(e != NULL);
    CHECK_EQ(e ? e->pte & PTE_D : 1, 0);
    uint64_t walks = mmu_stats(&f.mmu).walks;
    CHECK(mmu_write32(&f.mmu, L + 8, true, 0xD1D1));
    CHECK_EQ(mmu_stats(&f.mmu).walks, walks + 1); /* went back to the tables */
    CHECK_EQ(fx_rd32(&f, fx_pte_addr(L)) & (PTE_A | PTE_D), PTE_A | PTE_D);
    e = mmu_tlb_peek(&f.mmu, L);
    CHECK_EQ(e ? e->pte & PTE_D : 0, PTE_D);
    CHECK_EQ(fx_rd32(&f, F1 + 8), 0xD1D1);
    /* From now on writes do not walk (the entry holds D=1), even when the kernel clears D. */
    fx_wr32(&f, fx_pte_addr(L), F1 | PTE_P | PTE_RW | PTE_US | PTE_A);
    CHECK(mmu_write32(&f.mmu, L + 8, true, 0xD2D2));
    CHECK(mmu_write32(&f.mmu, L + 12, true, 0xD3D3));
    CHECK_EQ(mmu_stats(&f.mmu).walks, walks + 1);
    CHECK_EQ(fx_rd32(&f, fx_pte_addr(L)) & PTE_D, 0);

    /* The re-walk for D uses the tables as they are now: a PTE moved to another frame since
     * the read fill is picked up by that first write. */
    mmu_set_cr3(&f.mmu, FX_CR3, PW_FLUSH_CR3);
    fx_map(&f, L + 0x1000, F1, PTE_P | PTE_RW | PTE_US, 0);
    rd(&f, L + 0x1000);
    fx_map(&f, L + 0x1000, F2, PTE_P | PTE_RW | PTE_US, 0);
    CHECK(mmu_write32(&f.mmu, L + 0x1000, true, 0xABCD));
    CHECK_EQ(fx_rd32(&f, F2), 0xABCD);
    e = mmu_tlb_peek(&f.mmu, L + 0x1000);
    CHECK_EQ(e ? mmu_tlb_entry_phys(e) : 0, F2);
    fx_free(&f);
}

/* A stale read-only entry after the kernel made the page writable: one spurious fault, the
 * fault drops the entry, the retry walks and succeeds (SDM 4.10.4.3). */
static void test_spurious_fault(void)
{
    struct fx f;
    fx_init(&f, 1u << 20, 386, NULL);
    fx_map(&f, L, F1, PTE_P | PTE_US, 0);
    fx_paging_on(&f, false);
    rd(&f, L);
    fx_map(&f, L, F1, PTE_P | PTE_RW | PTE_US, 0);
    CHECK(!mmu_write32(&f.mmu, L, true, 7));
    CHECK_EQ(f.mmu.fault.err, PF_ERR_P | PF_ERR_W | PF_ERR_U);
    CHECK(mmu_tlb_peek(&f.mmu, L) == NULL);
    CHECK(mmu_write32(&f.mmu, L, true, 7));
    CHECK_EQ(fx_rd32(&f, F1), 7);
    fx_free(&f);
}

/* ---- replacement policies: one set of 4 ways, pages P0..P9 all in it ---- */

static uint32_t page(int i)
{
    return L + (uint32_t)i * PAGE_SIZE;
}

static struct fx *policy_fx(struct fx *f, struct rec *r, enum mmu_tlb_policy pol, uint32_t seed)
{
    struct mmu_tlb_config c = { .mode = TLB_SETASSOC, .sets = 1, .ways = 4, .policy = pol,
                                .seed = seed };
    fx_init(f, 1u << 20, 486, &c);
    memset(r, 0, sizeof *r);
    pw_events_subscribe(&f->ev, PW_EV_BIT(PW_EV_TLB_EVICT) | PW_EV_BIT(PW_EV_TLB_FILL), rec_fn, r);
    for (int i = 0; i < 64; i++)
        fx_map(f, page(i), F1 + (uint32_t)i * PAGE_SIZE, PTE_P | PTE_RW | PTE_US, 0);
    fx_paging_on(f, false);
    return f;
}

/* Fills P0..P3 (ways 0..3), uses P0 again through the fast path, then misses on P4. */
static uint32_t victim_after_touch(enum mmu_tlb_policy pol)
{
    struct fx f;
    struct rec r;
    policy_fx(&f, &r, pol, 0);
    for (int i = 0; i < 4; i++)
        rd(&f, page(i));
    uint64_t hits = mmu_stats(&f.mmu).hits, slow = f.mmu.slow_hits;
    rd(&f, page(0));
    CHECK_EQ(mmu_stats(&f.mmu).hits, hits + 1);
    CHECK_EQ(f.mmu.slow_hits, slow); /* it really took the fast path */
    CHECK_EQ(r.nevict, 0);
    rd(&f, page(4));
    CHECK_EQ(r.nevict, 1);
    uint32_t v = r.evict_lin[0];
    CHECK(mmu_tlb_peek(&f.mmu, v) == NULL);
    CHECK(mmu_tlb_peek(&f.mmu, page(4)) != NULL);
    fx_free(&f);
    return v;
}

/* Reads the pages of seq in order on policy_fx's TLB under pol: exactly three evictions,
 * of the pages evicted[0..2] in that order. */
static void check_evictions(enum mmu_tlb_policy pol, const int *seq, unsigned n, const int *evicted)
{
    struct fx f;
    struct rec r;
    policy_fx(&f, &r, pol, 0);
    for (unsigned i = 0; i < n; i++)
        rd(&f, page(seq[i]));
    CHECK_EQ(r.nevict, 3);
    for (int k = 0; k < 3; k++)
        CHECK_EQ(r.evict_lin[k], page(evicted[k]));
    fx_free(&f);
}

static void test_policies(void)
{
    /* LRU: P0 was used last of P0..P3 apart from... order of last use P1 P2 P3 P0: P1 goes. */
    CHECK_EQ(victim_after_touch(TLB_LRU), page(1));
    /* FIFO: uses do not count, P0 was filled first. */
    CHECK_EQ(victim_after_touch(TLB_FIFO), page(0));
    /* Tree PLRU (i486 manual 4.6.1): after P0..P3 then P0, the root points to the right
     * half (P2/P3) and that pair's bit away from P3, the last used there: P2 goes. */
    CHECK_EQ(victim_after_touch(TLB_PLRU), page(2));

    /* A longer LRU sequence: uses 0 1 2 3 2 0 | miss 4 -> evict 1 | 3 5 -> evict 2 | 6 -> 0 */
    static const int lseq[] = {0, 1, 2, 3, 2, 0, 4, 3, 5, 6};
    check_evictions(TLB_LRU, lseq, sizeof lseq / sizeof lseq[0], (const int[]){1, 2, 0});
    /* PLRU, longer: after 0..3 (ways 0..3): victim way 0 (P0). P4 into way 0 -> points
     * right, away from way 0 in the left pair; right pair's bit points away from way 3: way 2
     * (P2). P5 into way 2 -> root left, left pair points to way 1 (P1). */
    static const int pseq[] = {0, 1, 2, 3, 4, 5, 6};
    check_evictions(TLB_PLRU, pseq, sizeof pseq / sizeof pseq[0], (const int[]){0, 2, 1});
    /* FIFO, longer: 0 1 2 3 | 4 -> evicts 0 | 2 (a hit does not count) | 5 -> evicts 1, 6
     * -> evicts 2, the oldest fills left (the fill stamps; RANDOM and PLRU do not need them) */
    static const int fseq[] = {0, 1, 2, 3, 4, 2, 5, 6};
    check_evictions(TLB_FIFO, fseq, sizeof fseq / sizeof fseq[0], (const int[]){0, 1, 2});

    struct fx f;
    struct rec r;
    /* Random: victims follow the LCG from the seed (its top two bits), and two runs agree. */
    uint32_t x = 77;
    policy_fx(&f, &r, TLB_RANDOM, 77);
    for (int i = 0; i < 40; i++)
        rd(&f, page(i));
    CHECK_EQ(r.nevict, 36);
    unsigned seen = 0;
    for (int i = 0; i < r.nevict; i++) {
        x = x * 1664525u + 1013904223u;
        CHECK_EQ(r.evict_way[i], x >> 30);
        seen |= 1u << r.evict_way[i];
    }
    CHECK_EQ(seen, 0xFu); /* every way is a victim some time */
    fx_free(&f);

    /* Ideal: nothing is ever evicted, everything stays. */
    struct mmu_tlb_config ideal = { .mode = TLB_IDEAL };
    fx_init(&f, 4u << 20, 386, &ideal);
    memset(&r, 0, sizeof r);
    pw_events_subscribe(&f.ev, ~0u, rec_fn, &r);
    for (uint32_t i = 0; i < 1000; i++) /* 1000 pages: PDX 1 and 2 */
        fx_map(&f, L + i * PAGE_SIZE, 0x100000u + i * PAGE_SIZE, PTE_P | PTE_RW | PTE_US, 0);
    fx_paging_on(&f, false);
    for (uint32_t i = 0; i < 1000; i++)
        rd(&f, L + i * PAGE_SIZE);
    CHECK_EQ(r.nevict, 0);
    CHECK_EQ(mmu_stats(&f.mmu).fills, 1000);
    int present = 0;
    for (uint32_t i = 0; i < 1000; i++)
        present += mmu_tlb_peek(&f.mmu, L + i * PAGE_SIZE) != NULL;
    CHECK_EQ(present, 1000);
    mmu_invlpg(&f.mmu, L + 5 * PAGE_SIZE);
    CHECK(mmu_tlb_peek(&f.mmu, L + 5 * PAGE_SIZE) == NULL);
    CHECK(mmu_tlb_peek(&f.mmu, L + 6 * PAGE_SIZE) != NULL);
    rd(&f, L + 5 * PAGE_SIZE);
    CHECK(mmu_tlb_peek(&f.mmu, L + 5 * PAGE_SIZE) != NULL);
    mmu_set_cr3(&f.mmu, FX_CR3, PW_FLUSH_CR3);
    CHECK_EQ(mmu_stats(&f.mmu).flushed[PW_FLUSH_CR3], 1000);
    CHECK(mmu_tlb_peek(&f.mmu, L) == NULL);
    rd(&f, L + 7 * PAGE_SIZE);
    CHECK(mmu_tlb_peek(&f.mmu, L + 7 * PAGE_SIZE) != NULL);
    fx_free(&f);
}

/* ---- events and statistics ---- */

static void test_events(void)
{
    struct fx f;
    struct rec r = { 0 };
    struct mmu_tlb_config c = { .mode = TLB_SETASSOC, .sets = 2, .ways = 2, .policy = TLB_LRU };
    fx_init(&f, 1u << 20, 486, &c);
    pw_events_subscribe(&f.ev, ~0u, rec_fn, &r);
    for (int i = 0; i < 8; i++)
        fx_map(&f, page(i), F1, PTE_P | PTE_RW | PTE_US, 0);
    fx_paging_on(&f, false);
    CHECK_EQ(r.n[PW_EV_TLB_FLUSH], 2); /* the CR3 write and CR0.PG, both with nothing to drop */
    CHECK_EQ(mmu_stats(&f.mmu).flushes[PW_FLUSH_CR0], 1);
    CHECK_EQ(mmu_stats(&f.mmu).flushes[PW_FLUSH_CR3], 1);

    for (int i = 0; i < 6; i++) /* 6 pages in a 4-entry TLB: 2 evictions */
        rd(&f, page(i));
    for (int k = 0; k < 10; k++) /* hits, some fast */
        rd(&f, page(5));
    struct mmu_tlb_stats s = mmu_stats(&f.mmu);
    CHECK_EQ(s.walks, 6);
    CHECK_EQ(s.fills, 6);
    CHECK_EQ(s.misses, 6);
    CHECK_EQ(s.evictions, 2);
    CHECK_EQ(s.hits, 10);
    CHECK_EQ(f.mmu.slow_hits, 0); /* all ten were fast-table hits, counted all the same */
    CHECK_EQ(s.lookups, 16);
    CHECK_EQ(r.n[PW_EV_WALK], 6);
    CHECK_EQ(r.n[PW_EV_TLB_FILL], 6);
    CHECK_EQ(r.n[PW_EV_TLB_EVICT], 2);
    const struct pw_event *w = &r.last[PW_EV_WALK];
    CHECK_EQ(w->walk.lin, page(5));
    CHECK_EQ(w->walk.pte_addr, fx_pte_addr(page(5)));
    CHECK_EQ(w->walk.pte_set, PTE_A);
    CHECK_EQ(w->walk.pde_set, 0); /* set by the first walk already */
    CHECK(!w->walk.fault);
    CHECK_EQ(r.last[PW_EV_TLB_FILL].tlb.lin, page(5));
    CHECK_EQ(r.last[PW_EV_TLB_FILL].tlb.set, 1);

    mmu_invlpg(&f.mmu, page(5));
    CHECK_EQ(r.last[PW_EV_TLB_FLUSH].flush.cause, PW_FLUSH_INVLPG);
    CHECK_EQ(r.last[PW_EV_TLB_FLUSH].flush.entries, 1);
    CHECK_EQ(r.last[PW_EV_TLB_FLUSH].flush.lin, page(5));
    mmu_invlpg(&f.mmu, page(5));
    CHECK_EQ(r.last[PW_EV_TLB_FLUSH].flush.entries, 0);
    CHECK_EQ(mmu_stats(&f.mmu).flushes[PW_FLUSH_INVLPG], 2);
    CHECK_EQ(mmu_stats(&f.mmu).flushed[PW_FLUSH_INVLPG], 1);

    mmu_set_cr3(&f.mmu, FX_CR3, PW_FLUSH_TASK_SWITCH);
    CHECK_EQ(r.last[PW_EV_TLB_FLUSH].flush.cause, PW_FLUSH_TASK_SWITCH);
    CHECK_EQ(r.last[PW_EV_TLB_FLUSH].flush.entries, 3);
    CHECK_EQ(mmu_stats(&f.mmu).flushed[PW_FLUSH_TASK_SWITCH], 3);
    /* After the flush the fast path must not hit: the next read walks. */
    uint64_t walks = mmu_stats(&f.mmu).walks;
    rd(&f, page(4));
    CHECK_EQ(mmu_stats(&f.mmu).walks, walks + 1);

    /* CR0.WP change on a 486 flushes; on a 386 it is not even a change. */
    mmu_set_cr0(&f.mmu, true, true);
    CHECK_EQ(mmu_stats(&f.mmu).flushes[PW_FLUSH_CR0], 2);
    CHECK(f.mmu.wp);

    /* Page faults are published with CR2 and the error code. */
    fx_wr32(&f, fx_pte_addr(page(7)), 0);
    CHECK(!mmu_write32(&f.mmu, page(7) + 0x10, false, 1));
    CHECK_EQ(r.n[PW_EV_PAGE_FAULT], 1);
    CHECK_EQ(r.last[PW_EV_PAGE_FAULT].pf.lin, page(7) + 0x10);
    CHECK_EQ(r.last[PW_EV_PAGE_FAULT].pf.err, PF_ERR_W);
    CHECK_EQ(mmu_stats(&f.mmu).page_faults, 1);
    CHECK(r.last[PW_EV_WALK].walk.fault);
    CHECK_EQ(r.last[PW_EV_WALK].walk.err, PF_ERR_W);
    fx_free(&f);

    struct fx g;
    fx_init(&g, 1u << 20, 386, NULL);
    fx_paging_on(&g, false);
    mmu_set_cr0(&g.mmu, true, true);
    CHECK(!g.mmu.wp);
    CHECK_EQ(mmu_stats(&g.mmu).flushes[PW_FLUSH_CR0], 1);
    fx_free(&g);
}

/* With paging off, fast hits are not TLB lookups. */
static void test_paging_off_stats(void)
{
    struct fx f;
    fx_init(&f, 1u << 20, 386, NULL);
    uint32_t v;
    for (int i = 0; i < 5; i++)
        CHECK(mmu_read32(&f.mmu, 0x5000, false, &v));
    CHECK_EQ(mmu_fast_slot(&f.mmu, PW_ACC_READ, false, 0x5000)->tag, 0x5000); /* fast */
    CHECK_EQ(mmu_stats(&f.mmu).lookups, 0);
    CHECK_EQ(mmu_stats(&f.mmu).hits, 0);
    fx_map(&f, L, F1, PTE_P | PTE_RW | PTE_US, 0);
    fx_paging_on(&f, false);
    struct mmu_tlb_stats s = mmu_stats(&f.mmu);
    CHECK_EQ(s.lookups, 0);
    CHECK_EQ(s.hits, 0);
    /* Fast hits are counted once, paging on or off (mmu.h, fast_hits); the statistics count
     * those made with paging on only, over any number of PG changes. */
    for (int round = 0; round < 3; round++) {
        struct mmu_tlb_stats s0 = mmu_stats(&f.mmu);
        uint64_t fast0 = f.mmu.fast_hits;
        for (int i = 0; i < 7; i++)
            CHECK(mmu_read32(&f.mmu, L, false, &v)); /* a miss, then six fast hits */
        struct mmu_tlb_stats s1 = mmu_stats(&f.mmu);
        CHECK_EQ(f.mmu.fast_hits - fast0, 6);
        CHECK_EQ(s1.lookups - s0.lookups, 7);
        CHECK_EQ(s1.hits - s0.hits, 6);
        CHECK_EQ(s1.misses - s0.misses, 1);
        CHECK_EQ(s1.hits, 6u * (round + 1)); /* all of them, and no paging-off one */
        mmu_set_cr0(&f.mmu, false, false); /* paging off: these hits are no lookups */
        s0 = mmu_stats(&f.mmu);
        for (int i = 0; i < 4 + round; i++)
            CHECK(mmu_read32(&f.mmu, 0x5000, false, &v));
        s1 = mmu_stats(&f.mmu);
        CHECK_EQ(s1.lookups, s0.lookups);
        CHECK_EQ(s1.hits, s0.hits);
        CHECK(f.mmu.fast_hits - fast0 > 6 + 2); /* they took the fast path */
        mmu_set_cr0(&f.mmu, true, false);
        CHECK_EQ(mmu_stats(&f.mmu).hits, 6u * (round + 1)); /* the change counts nothing */
    }
    fx_free(&f);
}

/* Changing the TLB model at run time flushes (cause API) and keeps working. */
static void test_reconfig(void)
{
    struct fx f;
    fx_init(&f, 1u << 20, 486, NULL);
    for (int i = 0; i < 4; i++)
        fx_map(&f, page(i), F1 + (uint32_t)i * PAGE_SIZE, PTE_P | PTE_RW | PTE_US, 0);
    fx_wr32(&f, F1 + PAGE_SIZE, 0x4242);
    fx_paging_on(&f, false);
    for (int i = 0; i < 4; i++)
        rd(&f, page(i));
    struct mmu_tlb_config ideal = { .mode = TLB_IDEAL };
    struct mmu_tlb_config bad = { .mode = TLB_SETASSOC, .sets = 3, .ways = 4 };
    CHECK_EQ(mmu_set_tlb_config(&f.mmu, &bad), -1);
    CHECK(mmu_tlb_peek(&f.mmu, page(1)) != NULL); /* a refused config changes nothing */
    CHECK_EQ(mmu_set_tlb_config(&f.mmu, &ideal), 0);
    CHECK_EQ(mmu_stats(&f.mmu).flushes[PW_FLUSH_API], 1);
    CHECK_EQ(mmu_stats(&f.mmu).flushed[PW_FLUSH_API], 4);
    CHECK(mmu_tlb_peek(&f.mmu, page(1)) == NULL);
    CHECK_EQ(rd(&f, page(1)), 0x4242);
    CHECK_EQ(rd(&f, page(1)), 0x4242);
    CHECK(mmu_tlb_peek(&f.mmu, page(1)) != NULL);
    struct mmu_tlb_config off = { .mode = TLB_OFF };
    CHECK_EQ(mmu_set_tlb_config(&f.mmu, &off), 0);
    uint64_t walks = mmu_stats(&f.mmu).walks;
    CHECK_EQ(rd(&f, page(1)), 0x4242);
    CHECK_EQ(rd(&f, page(1)), 0x4242);
    CHECK_EQ(mmu_stats(&f.mmu).walks, walks + 2); /* off: every access walks */
    fx_free(&f);
}

/* ---- --tlb parsing ---- */

static void test_parse(void)
{
    struct mmu_tlb_config c;
    char err[128];
    CHECK_EQ(mmu_tlb_parse("off", &c, err, sizeof err), 0);
    CHECK_EQ(c.mode, TLB_OFF);
    CHECK_EQ(mmu_tlb_parse("ideal", &c, err, sizeof err), 0);
    CHECK_EQ(c.mode, TLB_IDEAL);
    CHECK_EQ(mmu_tlb_parse("sets=16,ways=2,policy=fifo", &c, err, sizeof err), 0);
    CHECK(c.mode == TLB_SETASSOC && c.sets == 16 && c.ways == 2 && c.policy == TLB_FIFO);
    CHECK_EQ(mmu_tlb_parse("entries=64,ways=8,policy=plru", &c, err, sizeof err), 0);
    CHECK(c.sets == 8 && c.ways == 8 && c.policy == TLB_PLRU);
    CHECK_EQ(mmu_tlb_parse("policy=random,seed=0x42", &c, err, sizeof err), 0);
    CHECK(c.sets == 8 && c.ways == 4 && c.policy == TLB_RANDOM && c.seed == 0x42);
    CHECK_EQ(mmu_tlb_parse("ways=3,sets=4,policy=lru", &c, err, sizeof err), 0);
    const char *bad[] = { "", "sets=3", "ways=0", "entries=30,ways=4", "policy=mru", "bogus=1",
                          "sets", "sets=8,entries=64,ways=4", "ways=3,policy=plru", "sets=-8",
                          "sets=8x", "ways=16,policy=plru" };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK_EQ(mmu_tlb_parse(bad[i], &c, err, sizeof err), -1);
        CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
    }
    struct mmu_tlb_config d = mmu_tlb_default(386);
    CHECK(d.mode == TLB_SETASSOC && d.sets * d.ways == 32 && d.ways == 4);
    d = mmu_tlb_default(486);
    CHECK(d.sets * d.ways == 32 && d.ways == 4 && d.policy == TLB_PLRU);
}

int main(void)
{
    struct mmu_tlb_config off = { .mode = TLB_OFF };
    struct mmu_tlb_config ideal = { .mode = TLB_IDEAL };
    test_stale(386, NULL, true);
    test_stale(486, NULL, true);
    test_stale(486, &ideal, true);
    test_stale(386, &off, false);
    test_stale(486, &off, false);
    test_dirty();
    test_spurious_fault();
    test_policies();
    test_events();
    test_paging_off_stats();
    test_reconfig();
    test_parse();
    return test_summary("test_mmu_tlb");
}
