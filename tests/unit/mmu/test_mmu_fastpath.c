/* The fast table must never change what the guest observes. Two identical machines run the
 * same long pseudo-random sequence (fixed seed) of reads, writes, fetches, page-table edits
 * without invalidation, INVLPG, CR3 writes, CR0.WP and A20 changes and watch bits; one uses
 * the inline accessors (fast table), the other only the slow paths. After every step they
 * must agree on the result, the value, the fault (CR2 and error code), and periodically on
 * memory (tables, A/D bits, data), the TLB contents and the statistics. */
#include <stdio.h>

#include "fixture.h"

#define RAM_SIZE (128u * 1024u)
#define NPAGES 16             /* linear pages 0x400000.. (PDX 1) and 0x800000.. (PDX 2) */
#define FRAMES 0x10000u       /* data frames 0x10000..0x17FFF */
#define NFRAMES 8
#define STEPS 200000


static uint32_t lin_page(uint32_t i)
{
    return (i < NPAGES / 2 ? 0x00400000u : 0x00800000u - (NPAGES / 2) * PAGE_SIZE) +
           i * PAGE_SIZE;
}

static uint32_t random_pte(void)
{
    uint32_t flags = PTE_P;
    if (fx_rnd(8) == 0)
        flags = 0; /* not present */
    flags |= fx_rnd(2) ? PTE_RW : 0;
    flags |= fx_rnd(3) ? PTE_US : 0;
    flags |= fx_rnd(2) ? PTE_A : 0;
    flags |= fx_rnd(2) ? PTE_D : 0;
    return (FRAMES + fx_rnd(NFRAMES) * PAGE_SIZE) | flags;
}

static void both_wr32(struct fx *a, struct fx *b, uint32_t pa, uint32_t v)
{
    fx_wr32(a, pa, v);
    fx_wr32(b, pa, v);
}

static int mismatches;
#define AGREE(x, y)                                                                        \
    do {                                                                                   \
        CHECK_EQ(x, y);                                                                    \
        if ((uint64_t)(x) != (uint64_t)(y) && ++mismatches > 5) {                          \
            fprintf(stderr, "  (stopping this run at step %d)\n", step);                   \
            goto out;                                                                      \
        }                                                                                  \
    } while (0)

static void run(int model, const struct mmu_tlb_config *cfg, uint64_t seed, const char *name)
{
    struct fx fa, fb; /* fa: fast accessors; fb: slow paths only */
    fx_init(&fa, RAM_SIZE, model, cfg);
    fx_init(&fb, RAM_SIZE, model, cfg);
    fx_rng_state = seed;
    mismatches = 0;
    int step = 0;
    for (uint32_t i = 0; i < NPAGES; i++) {
        uint32_t pte = random_pte() | PTE_P;
        fx_map(&fa, lin_page(i), pte & PAGE_MASK, pte & 0xFFF, 0);
        fx_map(&fb, lin_page(i), pte & PAGE_MASK, pte & 0xFFF, 0);
    }
    for (uint32_t a = FRAMES; a < FRAMES + NFRAMES * PAGE_SIZE; a += 4)
        both_wr32(&fa, &fb, a, a * 2654435761u);
    fx_paging_on(&fa, false);
    fx_paging_on(&fb, false);
    bool wp = false;
    uint32_t cur_page = 0;
    bool cur_user = false;

    for (step = 0; step < STEPS; step++) {
        uint32_t op = fx_rnd(100);
        if (fx_rnd(4) == 0) /* some locality, so the fast table gets used */
            cur_page = fx_rnd(NPAGES), cur_user = fx_rnd(2);
        uint32_t lin = lin_page(cur_page) + fx_rnd(PAGE_SIZE);
        bool user = cur_user;
        unsigned size = 1u << fx_rnd(3);
        bool oka, okb;
        uint32_t va = 0, vb = 0;
        fa.mmu.fault.lin = fb.mmu.fault.lin = 0;
        fa.mmu.fault.err = fb.mmu.fault.err = 0;
        if (op < 40) { /* read */
            if (size == 1) {
                uint8_t v = 0;
                oka = mmu_read8(&fa.mmu, lin, user, &v);
                va = v;
            } else if (size == 2) {
                uint16_t v = 0;
                oka = mmu_read16(&fa.mmu, lin, user, &v);
                va = v;
            } else {
                oka = mmu_read32(&fa.mmu, lin, user, &va);
            }
            okb = mmu_read_slow(&fb.mmu, lin, size, user, PW_ACC_READ, &vb);
        } else if (op < 70) { /* write */
            uint32_t v = (uint32_t)fx_rnd(0x7FFFFFFF) >> (32 - 8 * size) << 0;
            if (size == 1)
                oka = mmu_write8(&fa.mmu, lin, user, (uint8_t)v);
            else if (size == 2)
                oka = mmu_write16(&fa.mmu, lin, user, (uint16_t)v);
            else
                oka = mmu_write32(&fa.mmu, lin, user, v);
            okb = mmu_write_slow(&fb.mmu, lin, size, user, v);
        } else if (op < 80) { /* fetch one byte */
            uint32_t avail;
            bool faulted;
            const uint8_t *p = mmu_fetch_ptr(&fa.mmu, lin, user, &avail, &faulted);
            if (p) {
                oka = true;
                va = *p;
                CHECK_EQ(avail, PAGE_SIZE - (lin & 0xFFF));
            } else if (faulted) {
                oka = false;
            } else {
                /* Not host memory (a watched frame): the translation is done and in the TLB
                 * (or, with --tlb off, is what the tables say); read the byte there without
                 * a second lookup, which the other machine does not make. */
                const struct mmu_tlb_entry *e = mmu_tlb_peek(&fa.mmu, lin);
                uint32_t ph = 0;
                if (e)
                    ph = mmu_tlb_entry_phys(e) | (lin & 0xFFF);
                else
                    CHECK(mmu_probe(&fa.mmu, lin, PW_ACC_FETCH, user, &ph, NULL, NULL));
                oka = true;
                va = phys_read(&fa.phys, ph, 1);
            }
            okb = mmu_read_slow(&fb.mmu, lin, 1, user, PW_ACC_FETCH, &vb);
        } else if (op < 90) { /* edit a PTE, no invalidation */
            uint32_t pg = lin_page(fx_rnd(NPAGES));
            both_wr32(&fa, &fb, fx_pte_addr(pg), random_pte());
            continue;
        } else if (op < 94) {
            if (model == 486) {
                mmu_invlpg(&fa.mmu, lin);
                mmu_invlpg(&fb.mmu, lin);
            }
            continue;
        } else if (op < 96) {
            mmu_set_cr3(&fa.mmu, FX_CR3, PW_FLUSH_CR3);
            mmu_set_cr3(&fb.mmu, FX_CR3, PW_FLUSH_CR3);
            continue;
        } else if (op < 97) {
            wp = !wp;
            mmu_set_cr0(&fa.mmu, true, wp);
            mmu_set_cr0(&fb.mmu, true, wp);
            continue;
        } else if (op < 98) { /* a watch bit on a frame, or off again */
            uint32_t fr = FRAMES + fx_rnd(NFRAMES) * PAGE_SIZE;
            uint8_t set = (uint8_t)(fx_rnd(3) ? 0 : 1 + fx_rnd(3)), clear = (uint8_t)(~set & 3);
            phys_set_frame_flags(&fa.phys, fr, set, clear);
            phys_set_frame_flags(&fb.phys, fr, set, clear);
            continue;
        } else if (op < 99) { /* A20: frames stay below 1 MiB, so only the fast table cares */
            bool on = fx_rnd(2);
            phys_set_a20(&fa.phys, on);
            phys_set_a20(&fb.phys, on);
            continue;
        } else {
            bool on = fx_rnd(4) == 0;
            mmu_set_tlb_check(&fa.mmu, on);
            mmu_set_tlb_check(&fb.mmu, on);
            continue;
        }
        AGREE(oka, okb);
        if (oka && okb) {
            AGREE(va, vb);
        } else {
            AGREE(fa.mmu.fault.lin, fb.mmu.fault.lin);
            AGREE(fa.mmu.fault.err, fb.mmu.fault.err);
        }
        if (step % 64 == 0) {
            AGREE(memcmp(fa.phys.ram, fb.phys.ram, RAM_SIZE), 0);
            for (uint32_t i = 0; i < NPAGES; i++) {
                const struct mmu_tlb_entry *ea = mmu_tlb_peek(&fa.mmu, lin_page(i));
                const struct mmu_tlb_entry *eb = mmu_tlb_peek(&fb.mmu, lin_page(i));
                AGREE(ea != NULL, eb != NULL);
                if (ea && eb) {
                    AGREE(ea->pte, eb->pte);
                }
            }
        }
    }
    {
        struct mmu_tlb_stats sa = mmu_stats(&fa.mmu), sb = mmu_stats(&fb.mmu);
        AGREE(sa.lookups, sb.lookups);
        AGREE(sa.hits, sb.hits);
        AGREE(sa.misses, sb.misses);
        AGREE(sa.walks, sb.walks);
        AGREE(sa.fills, sb.fills);
        AGREE(sa.evictions, sb.evictions);
        AGREE(sa.stale_uses, sb.stale_uses);
        AGREE(sa.page_faults, sb.page_faults);
        AGREE(memcmp(fa.phys.ram, fb.phys.ram, RAM_SIZE), 0);
        uint64_t fast_total = sa.hits - fa.mmu.slow_hits;
        AGREE(sb.hits, fb.mmu.slow_hits); /* the slow-only machine never hit fast */
        CHECK(fast_total > 1000 || cfg->mode == TLB_OFF); /* the fast path was exercised */
        printf("%-22s %5d steps, %8llu lookups, %6llu stale, %6llu faults, fast hits %llu\n",
               name, step, (unsigned long long)sa.lookups, (unsigned long long)sa.stale_uses,
               (unsigned long long)sa.page_faults, (unsigned long long)fast_total);
    }
out:
    fx_free(&fa);
    fx_free(&fb);
}

int main(void)
{
    struct mmu_tlb_config lru = { .mode = TLB_SETASSOC, .sets = 2, .ways = 2, .policy = TLB_LRU };
    struct mmu_tlb_config plru = { .mode = TLB_SETASSOC, .sets = 2, .ways = 4, .policy = TLB_PLRU };
    struct mmu_tlb_config fifo = { .mode = TLB_SETASSOC, .sets = 4, .ways = 2, .policy = TLB_FIFO };
    struct mmu_tlb_config ideal = { .mode = TLB_IDEAL };
    struct mmu_tlb_config off = { .mode = TLB_OFF };
    struct mmu_tlb_config d386 = mmu_tlb_default(386), d486 = mmu_tlb_default(486);
    run(386, &d386, 1, "386 default");
    run(486, &d486, 2, "486 default (plru)");
    run(486, &lru, 3, "486 lru 2x2");
    run(486, &plru, 4, "486 plru 2x4");
    run(386, &fifo, 5, "386 fifo 4x2");
    run(486, &ideal, 6, "486 ideal");
    run(386, &off, 7, "386 off");
    return test_summary("test_mmu_fastpath");
}
