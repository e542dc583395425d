/* The TLB-miss path and the full flush after the 2026-11-23 rework (mmu.c, tlb.c):
 *  - a full flush (CR3 write) leaves no fast slot behind, whether it clears the slots it
 *    logged since the last flush or (log overflowed) goes entry by entry or clears the
 *    table, and later accesses see the new tables;
 *  - slots entered with paging off (they mirror no entry) survive a CR3 write;
 *  - a fill takes the lowest free way (from the valid-entry bitmask), else the policy's
 *    victim: for policy=random exactly the top bits of the LCG from the seed, in turn;
 *  - a write-watched frame is written through phys (one event per write) on a miss, yet
 *    its read slot is entered. */
#include <stdio.h>

#include "fixture.h"

#define RAM_SIZE (4u * 1024u * 1024u)
#define LIN0 0x00400000u   /* PDX 1 */
#define FRAME_A 0x100000u  /* first mapping: frames 0x100000.. */
#define FRAME_B 0x200000u  /* after the remap: frames 0x200000.. */

static size_t fast_slots_in_use(const struct mmu *m)
{
    size_t n = 0;
    for (int a = 0; a < 3; a++)
        for (int u = 0; u < 2; u++)
            for (unsigned i = 0; i < MMU_FAST_SIZE; i++)
                n += m->fast[a][u][i].tag != MMU_FAST_EMPTY;
    return n;
}

/* Touch npages pages (read + write: two fast slots each), remap them all, write CR3 with the
 * same value: every read must then see the new frames, and no slot may be left. */
static void test_flush_clears(const struct mmu_tlb_config *cfg, unsigned npages, const char *name)
{
    struct fx f;
    fx_init(&f, RAM_SIZE, 386, cfg);
    for (unsigned i = 0; i < npages; i++) {
        fx_map(&f, LIN0 + i * PAGE_SIZE, FRAME_A + i * PAGE_SIZE, PTE_P | PTE_RW | PTE_US, 0);
        fx_wr32(&f, FRAME_A + i * PAGE_SIZE, 0xA0000000u + i);
        fx_wr32(&f, FRAME_B + i * PAGE_SIZE, 0xB0000000u + i);
    }
    fx_paging_on(&f, false);
    uint32_t v = 0;
    for (unsigned i = 0; i < npages; i++) {
        uint32_t lin = LIN0 + i * PAGE_SIZE;
        CHECK(mmu_read32(&f.mmu, lin, true, &v));
        CHECK_EQ(v, 0xA0000000u + i);
        CHECK(mmu_write32(&f.mmu, lin + 4, true, 7));
    }
    CHECK(fast_slots_in_use(&f.mmu) > 0);
    /* Repeat the pass: under the 32-entry TLB the last pages are still cached and hit. */
    for (unsigned i = 0; i < npages; i++)
        CHECK(mmu_read32(&f.mmu, LIN0 + i * PAGE_SIZE, true, &v));
    unsigned valid = 0;
    for (unsigned i = 0; i < npages; i++)
        valid += mmu_tlb_peek(&f.mmu, LIN0 + i * PAGE_SIZE) != NULL;
    for (unsigned i = 0; i < npages; i++)
        fx_map(&f, LIN0 + i * PAGE_SIZE, FRAME_B + i * PAGE_SIZE, PTE_P | PTE_RW | PTE_US, 0);
    uint64_t flushed = mmu_stats(&f.mmu).flushed[PW_FLUSH_CR3];
    mmu_set_cr3(&f.mmu, FX_CR3, PW_FLUSH_CR3);
    CHECK_EQ(mmu_stats(&f.mmu).flushed[PW_FLUSH_CR3] - flushed, valid);
    CHECK_EQ(fast_slots_in_use(&f.mmu), 0);
    for (unsigned i = 0; i < npages; i++) {
        CHECK(mmu_tlb_peek(&f.mmu, LIN0 + i * PAGE_SIZE) == NULL);
        CHECK(mmu_read32(&f.mmu, LIN0 + i * PAGE_SIZE, true, &v));
        CHECK_EQ(v, 0xB0000000u + i);
        CHECK(mmu_write32(&f.mmu, LIN0 + i * PAGE_SIZE + 8, true, 9));
        CHECK_EQ(fx_rd32(&f, FRAME_B + i * PAGE_SIZE + 8), 9u);
    }
    /* And once more: a second flush right after the first (an empty log) still clears. */
    mmu_set_cr3(&f.mmu, FX_CR3, PW_FLUSH_CR3);
    CHECK_EQ(fast_slots_in_use(&f.mmu), 0);
    if (test_failed)
        fprintf(stderr, "  in test_flush_clears(%s, %u pages)\n", name, npages);
    fx_free(&f);
}

static void test_paging_off_slots_survive(void)
{
    struct fx f;
    fx_init(&f, RAM_SIZE, 386, NULL);
    uint32_t v;
    CHECK(mmu_read32(&f.mmu, 0x30010, false, &v)); /* paging off: linear = physical */
    const struct mmu_fast *s = mmu_fast_slot(&f.mmu, PW_ACC_READ, false, 0x30010);
    CHECK_EQ(s->tag, 0x30000u);
    mmu_set_cr3(&f.mmu, FX_CR3, PW_FLUSH_CR3);
    CHECK_EQ(s->tag, 0x30000u);
    uint64_t lookups = mmu_stats(&f.mmu).lookups;
    CHECK(mmu_read32(&f.mmu, 0x30020, false, &v));
    CHECK_EQ(mmu_stats(&f.mmu).lookups, lookups); /* paging off: no TLB lookup is counted */
    fx_free(&f);
}

/* RANDOM's generator as specified (mmu/internal.h): an LCG whose top bits pick the way. */
static uint32_t lcg(uint32_t x)
{
    return x * 1664525u + 1013904223u;
}

/* Entry index of lin's page in the TLB, or -1. */
static int entry_of(struct fx *f, uint32_t lin)
{
    const struct mmu_tlb_entry *e = mmu_tlb_peek(&f->mmu, lin);
    return e ? (int)(e - f->mmu.tlb) : -1;
}

static void test_victims(void)
{
    struct mmu_tlb_config cfg = { .mode = TLB_SETASSOC, .sets = 8, .ways = 4,
                                  .policy = TLB_RANDOM, .seed = 12345 };
    struct fx f;
    fx_init(&f, RAM_SIZE, 386, &cfg);
    /* Pages LIN0 + k * 8 pages all fall in set 0 (set = page number mod 8). */
    for (unsigned k = 0; k < 40; k++)
        fx_map(&f, LIN0 + k * 8 * PAGE_SIZE, FRAME_A + (k % 16) * PAGE_SIZE,
               PTE_P | PTE_RW | PTE_US, 0);
    fx_paging_on(&f, false);
    uint32_t v;
    for (unsigned k = 0; k < 4; k++) { /* free ways fill lowest first */
        CHECK(mmu_read32(&f.mmu, LIN0 + k * 8 * PAGE_SIZE, false, &v));
        CHECK_EQ(entry_of(&f, LIN0 + k * 8 * PAGE_SIZE), (int)k);
    }
    CHECK_EQ(mmu_stats(&f.mmu).evictions, 0);
    /* A hole at way 2 is taken before any eviction. */
    mmu_invlpg(&f.mmu, LIN0 + 2 * 8 * PAGE_SIZE);
    CHECK(mmu_read32(&f.mmu, LIN0 + 4 * 8 * PAGE_SIZE, false, &v));
    CHECK_EQ(entry_of(&f, LIN0 + 4 * 8 * PAGE_SIZE), 2);
    CHECK_EQ(mmu_stats(&f.mmu).evictions, 0);
    /* Now full: each new page replaces way (top two bits of the next value), in sequence. */
    uint32_t x = 12345;
    for (unsigned k = 5; k < 40; k++) {
        x = lcg(x);
        uint32_t lin = LIN0 + k * 8 * PAGE_SIZE;
        CHECK(mmu_read32(&f.mmu, lin, false, &v));
        CHECK_EQ(entry_of(&f, lin), (int)(x >> 30));
    }
    CHECK_EQ(mmu_stats(&f.mmu).evictions, 35);
    /* After a full flush the set is empty again: way 0 first. */
    mmu_set_cr3(&f.mmu, FX_CR3, PW_FLUSH_CR3);
    CHECK(mmu_read32(&f.mmu, LIN0, false, &v));
    CHECK_EQ(entry_of(&f, LIN0), 0);
    CHECK(mmu_read32(&f.mmu, LIN0 + 8 * PAGE_SIZE, false, &v));
    CHECK_EQ(entry_of(&f, LIN0 + 8 * PAGE_SIZE), 1);
    fx_free(&f);
}

static int watch_events;
static void watch_fn(void *opaque, const struct pw_event *ev)
{
    (void)opaque;
    if (ev->kind == PW_EV_MEM_WATCH && ev->watch.write)
        watch_events++;
}

static void test_write_watched_miss(void)
{
    struct fx f;
    fx_init(&f, RAM_SIZE, 386, NULL);
    pw_events_subscribe(&f.ev, PW_EV_BIT(PW_EV_MEM_WATCH), watch_fn, NULL);
    fx_map(&f, LIN0, FRAME_A, PTE_P | PTE_RW | PTE_US, 0);
    fx_paging_on(&f, false);
    phys_set_frame_flags(&f.phys, FRAME_A, PHYS_F_WATCH_W, 0);
    CHECK(mmu_write32(&f.mmu, LIN0 + 16, false, 0x12345678u)); /* a miss */
    CHECK_EQ(watch_events, 1);
    CHECK_EQ(fx_rd32(&f, FRAME_A + 16), 0x12345678u);
    CHECK_EQ(mmu_fast_slot(&f.mmu, PW_ACC_READ, false, LIN0)->tag, LIN0);
    CHECK(mmu_fast_slot(&f.mmu, PW_ACC_WRITE, false, LIN0)->tag != LIN0);
    uint32_t v;
    CHECK(mmu_read32(&f.mmu, LIN0 + 16, false, &v));
    CHECK_EQ(v, 0x12345678u);
    CHECK(mmu_write32(&f.mmu, LIN0 + 20, false, 1)); /* again through phys: published */
    CHECK_EQ(watch_events, 2);
    fx_free(&f);
}

int main(void)
{
    struct mmu_tlb_config def = mmu_tlb_default(386);
    struct mmu_tlb_config ideal = { .mode = TLB_IDEAL };
    struct mmu_tlb_config big = { .mode = TLB_SETASSOC, .sets = 64, .ways = 4, .policy = TLB_LRU };
    test_flush_clears(&def, 3, "386 default");   /* a few slots: the log */
    test_flush_clears(&def, 40, "386 default");  /* 80 slots: log overflows, entry by entry */
    test_flush_clears(&ideal, 10, "ideal");
    test_flush_clears(&ideal, 200, "ideal");      /* overflow with a big TLB: whole table */
    test_flush_clears(&big, 100, "256 entries");  /* no valid-entry bitmask */
    test_paging_off_slots_survive();
    test_victims();
    test_write_watched_miss();
    return test_summary("test_mmu_flush");
}
