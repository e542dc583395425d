/* The common-case TLB miss (mmu.c: quick_walk/quick_commit) must be the general path,
 * exactly. Two machines get the same accesses through the same entry points
 * (mmu_read_slow, mmu_write_slow, mmu_fetch_ptr); machine B has a do-nothing subscriber to
 * walk events, which keeps it on the general path for every miss. After each access they
 * must agree on the result, the value and the fault, and on the whole MMU state: statistics,
 * TLB entries, replacement state (RANDOM generator, PLRU bits), the fast table (tags, entry
 * numbers, the physical page behind each host pointer), the fetch-window epoch, memory
 * (A/D bits) and the events published.
 *
 * The directed part takes each reason to leave the common path in turn (A or D to set, not
 * present, rights, page directory or table outside RAM or in the hole, a window over RAM,
 * A20 off, watched frames, events subscribed, --tlb-check, a TLB hit) and checks, through
 * mmu->q_count, which path machine A took; the random part mixes them all for a long run. */
#include <stdio.h>

#include "fixture.h"
#include "mmu/internal.h"

#define RAM_SIZE (4u << 20)
#define ALT_PD 0xC000u        /* a second page directory */
#define FRAMES 0x10000u       /* data frames below 1 MiB ... */
#define FRAMES_HI 0x110000u   /* ... and their aliases with A20 off */
#define NFRAMES 8

static void sink(void *opaque, const struct pw_event *ev)
{
    (void)opaque;
    (void)ev;
}

/* Folds the MMU events into a hash, field by field (the union has padding). */
struct rec {
    uint64_t n, hash;
};

static void mix(struct rec *r, uint32_t v)
{
    r->hash = (r->hash ^ v) * 0x100000001B3ull;
}

static void rec_fn(void *opaque, const struct pw_event *ev)
{
    struct rec *r = opaque;
    r->n++;
    mix(r, ev->kind);
    switch (ev->kind) {
    case PW_EV_WALK:
        mix(r, ev->walk.lin), mix(r, ev->walk.pde_addr), mix(r, ev->walk.pde);
        mix(r, ev->walk.pte_addr), mix(r, ev->walk.pte), mix(r, ev->walk.pde_set);
        mix(r, ev->walk.pte_set), mix(r, ev->walk.acc), mix(r, ev->walk.user);
        mix(r, ev->walk.fault), mix(r, ev->walk.err);
        break;
    case PW_EV_TLB_FILL:
    case PW_EV_TLB_EVICT:
        mix(r, ev->tlb.lin), mix(r, ev->tlb.phys), mix(r, ev->tlb.pte);
        mix(r, (uint32_t)ev->tlb.set), mix(r, (uint32_t)ev->tlb.way);
        break;
    case PW_EV_PAGE_FAULT:
        mix(r, ev->pf.lin), mix(r, ev->pf.err);
        break;
    case PW_EV_TLB_STALE:
        mix(r, ev->stale.lin), mix(r, ev->stale.cached_phys), mix(r, ev->stale.cached_pte);
        mix(r, ev->stale.current_pte), mix(r, ev->stale.acc);
        break;
    case PW_EV_MEM_WATCH:
        mix(r, ev->watch.phys), mix(r, ev->watch.lin), mix(r, ev->watch.size);
        mix(r, ev->watch.write), mix(r, ev->watch.val);
        break;
    default:
        break;
    }
}

struct pair {
    struct fx a, b;       /* a: common path allowed; b: general path only */
    struct rec ra, rb;    /* event records while subscribed */
    bool recording;
    uint8_t win_a[PAGE_SIZE], win_b[PAGE_SIZE];
};

static void pair_init(struct pair *p, int model, const struct mmu_tlb_config *cfg)
{
    memset(p, 0, sizeof *p);
    fx_init(&p->a, RAM_SIZE, model, cfg);
    fx_init(&p->b, RAM_SIZE, model, cfg);
    pw_events_subscribe(&p->b.ev, PW_EV_BIT(PW_EV_WALK), sink, NULL);
}

static void pair_free(struct pair *p)
{
    fx_free(&p->a);
    fx_free(&p->b);
}

static void both_wr32(struct pair *p, uint32_t pa, uint32_t v)
{
    fx_wr32(&p->a, pa, v);
    fx_wr32(&p->b, pa, v);
}

static void pair_map(struct pair *p, uint32_t lin, uint32_t frame, uint32_t pte_flags,
                     uint32_t pde_flags)
{
    fx_map(&p->a, lin, frame, pte_flags, pde_flags);
    fx_map(&p->b, lin, frame, pte_flags, pde_flags);
}

static void pair_cr3(struct pair *p, uint32_t cr3)
{
    mmu_set_cr3(&p->a.mmu, cr3, PW_FLUSH_CR3);
    mmu_set_cr3(&p->b.mmu, cr3, PW_FLUSH_CR3);
}

static void pair_cr0(struct pair *p, bool wp)
{
    mmu_set_cr0(&p->a.mmu, true, wp);
    mmu_set_cr0(&p->b.mmu, true, wp);
}

static void pair_record(struct pair *p, bool on)
{
    uint32_t mask = PW_EV_BIT(PW_EV_WALK) | PW_EV_BIT(PW_EV_TLB_FILL) |
                    PW_EV_BIT(PW_EV_TLB_EVICT) | PW_EV_BIT(PW_EV_PAGE_FAULT) |
                    PW_EV_BIT(PW_EV_TLB_STALE) | PW_EV_BIT(PW_EV_MEM_WATCH);
    if (on == p->recording)
        return;
    p->recording = on;
    if (on) {
        pw_events_subscribe(&p->a.ev, mask, rec_fn, &p->ra);
        pw_events_subscribe(&p->b.ev, mask, rec_fn, &p->rb);
    } else {
        pw_events_unsubscribe(&p->a.ev, rec_fn, &p->ra);
        pw_events_unsubscribe(&p->b.ev, rec_fn, &p->rb);
    }
}

static int mismatches;
static unsigned accesses, check_period = 1; /* the whole state is compared every check_period */
/* Reads and writes through the inline accessors (mmu_read32 ... : fast table, then the miss
 * entries mmu_read_miss32 ...) on both machines instead of mmu_read_slow/mmu_write_slow. */
static bool use_inline;

static bool inline_read(struct mmu *m, uint32_t lin, unsigned size, bool user, uint32_t *v)
{
    uint8_t v8 = 0;
    uint16_t v16 = 0;
    bool ok;
    if (size == 4)
        return mmu_read32(m, lin, user, v);
    if (size == 2) {
        ok = mmu_read16(m, lin, user, &v16);
        *v = v16;
        return ok;
    }
    ok = mmu_read8(m, lin, user, &v8);
    *v = v8;
    return ok;
}

/* The same read in the halves the CPU's block loop uses (cpu/dc_ops.h): the fast slot, the
 * common case alone (mmu_read_quick_of) for an access within its page, and only when that
 * declines, having changed nothing, or for one that crosses, the general half
 * (mmu_read_miss_general). MMU_MISS_MOVED says whether slow_seq moved. */
static bool halves_read(struct mmu *m, uint32_t lin, unsigned size, bool user, uint32_t *v)
{
    uint8_t v8 = 0;
    uint16_t v16 = 0;
    if (size == 4 ? mmu_read_hit32(m, lin, user, v)
                  : size == 2 ? mmu_read_hit16(m, lin, user, &v16) : mmu_read_hit8(m, lin, user, &v8)) {
        if (size != 4)
            *v = size == 2 ? v16 : v8;
        return true;
    }
    uint64_t seq = m->slow_seq, count = m->q_count, valid = m->tlb_valid;
    uint32_t epoch = m->epoch;
    struct mmu_tlb_stats st = mmu_stats(m);
    uint64_t r = (lin & 0xFFFu) > 0x1000u - size ? MMU_MISS_SLOW | lin /* crosses */
                                                  : mmu_read_quick_of[user][size >> 1](m, lin);
    if (r & MMU_MISS_SLOW) {
        struct mmu_tlb_stats st2 = mmu_stats(m);
        CHECK_EQ(m->slow_seq, seq);
        CHECK_EQ(m->q_count, count);
        CHECK_EQ(m->tlb_valid, valid);
        CHECK_EQ(m->epoch, epoch);
        CHECK_EQ(st2.lookups, st.lookups);
        CHECK_EQ(st2.misses, st.misses);
        CHECK_EQ((uint32_t)r, lin);
        r = mmu_read_miss_general(m, lin, size, user);
    } else {
        CHECK_EQ((r & MMU_MISS_MOVED) != 0, m->slow_seq != seq);
        CHECK(!(r & MMU_MISS_FAULT));
    }
    if (r & MMU_MISS_FAULT)
        return false;
    *v = (uint32_t)r & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
    return true;
}

static bool inline_write(struct mmu *m, uint32_t lin, unsigned size, bool user, uint32_t v)
{
    if (size == 4)
        return mmu_write32(m, lin, user, v);
    if (size == 2)
        return mmu_write16(m, lin, user, (uint16_t)v);
    return mmu_write8(m, lin, user, (uint8_t)v);
}

/* Compares everything the two MMUs hold; returns false (and reports) on a difference. */
static bool pair_agree(struct pair *p, const char *where)
{
    const struct mmu *a = &p->a.mmu, *b = &p->b.mmu;
    int before = test_failed;
    const struct mmu_tlb_stats xa = mmu_stats(a), xb = mmu_stats(b), *sa = &xa, *sb = &xb;
    CHECK_EQ(sa->lookups, sb->lookups);
    CHECK_EQ(sa->hits, sb->hits);
    CHECK_EQ(sa->misses, sb->misses);
    CHECK_EQ(sa->walks, sb->walks);
    CHECK_EQ(sa->fills, sb->fills);
    CHECK_EQ(sa->evictions, sb->evictions);
    CHECK_EQ(sa->stale_uses, sb->stale_uses);
    CHECK_EQ(sa->page_faults, sb->page_faults);
    CHECK_EQ(a->slow_hits, b->slow_hits);
    CHECK_EQ(a->rng, b->rng);
    CHECK_EQ(a->tlb_mru, b->tlb_mru);
    CHECK_EQ(a->tlb_valid, b->tlb_valid);
    CHECK_EQ(a->epoch, b->epoch);
    CHECK_EQ(a->tlb_n, b->tlb_n);
    for (unsigned i = 0; i < a->tlb_n && i < b->tlb_n; i++) {
        if (i < 64) { /* the copy of the tags the common case compares (mmu.h, tlb_lin) */
            CHECK_EQ(a->tlb_lin[i], a->tlb[i].lin);
            CHECK_EQ(b->tlb_lin[i], b->tlb[i].lin);
        }
        CHECK_EQ(a->tlb[i].valid, b->tlb[i].valid);
        if (a->tlb[i].valid && b->tlb[i].valid) {
            CHECK_EQ(a->tlb[i].lin, b->tlb[i].lin);
            CHECK_EQ(a->tlb[i].pte, b->tlb[i].pte);
            CHECK_EQ(a->tlb[i].stamp, b->tlb[i].stamp);
        }
    }
    if (a->plru && b->plru)
        CHECK_EQ(memcmp(a->plru, b->plru, a->cfg.sets), 0);
    for (int k = 0; k < 3; k++)
        for (int u = 0; u < 2; u++)
            for (unsigned i = 0; i < MMU_FAST_SIZE; i++) {
                const struct mmu_fast *fa = &a->fast[k][u][i], *fb = &b->fast[k][u][i];
                CHECK_EQ(fa->tag, fb->tag);
                if (fa->tag == MMU_FAST_EMPTY || fa->tag != fb->tag)
                    continue;
                CHECK_EQ(fa->tlb_index, fb->tlb_index);
                /* the physical address behind the host pointer (RAM or the window) */
                uintptr_t ha = fa->tag + fa->addend, hb = fb->tag + fb->addend;
                uintptr_t ra = (uintptr_t)p->a.phys.ram, rb = (uintptr_t)p->b.phys.ram;
                bool wa = ha - (uintptr_t)p->win_a < PAGE_SIZE;
                bool wb = hb - (uintptr_t)p->win_b < PAGE_SIZE;
                CHECK_EQ(wa, wb);
                CHECK_EQ(wa ? ha - (uintptr_t)p->win_a : ha - ra,
                         wb ? hb - (uintptr_t)p->win_b : hb - rb);
            }
    CHECK_EQ(memcmp(p->a.phys.ram, p->b.phys.ram, 0x20000), 0); /* tables, low frames */
    CHECK_EQ(memcmp(p->a.phys.ram + FRAMES_HI, p->b.phys.ram + FRAMES_HI, NFRAMES * PAGE_SIZE),
             0);
    CHECK_EQ(memcmp(p->win_a, p->win_b, PAGE_SIZE), 0);
    CHECK_EQ(p->ra.n, p->rb.n);
    CHECK_EQ(p->ra.hash, p->rb.hash);
    if (test_failed != before) {
        fprintf(stderr, "  state differs after %s\n", where);
        return false;
    }
    return true;
}

enum op { OP_READ, OP_WRITE, OP_FETCH };

/* One access on both machines; they must agree. Returns how many misses machine A served
 * on the common path (0 or 1). */
static uint64_t pair_access(struct pair *p, enum op op, uint32_t lin, unsigned size, bool user,
                            uint32_t wval, const char *where)
{
    struct mmu *a = &p->a.mmu, *b = &p->b.mmu;
    uint64_t q0 = a->q_count, sa0 = a->slow_seq, sb0 = b->slow_seq;
    uint32_t e0 = a->epoch;
    bool oka, okb;
    uint32_t va = 0, vb = 0;
    a->fault.lin = b->fault.lin = 0;
    a->fault.err = b->fault.err = 0;
    if (op == OP_READ && use_inline) {
        oka = halves_read(a, lin, size, user, &va);
        okb = inline_read(b, lin, size, user, &vb);
    } else if (op == OP_WRITE && use_inline) {
        oka = inline_write(a, lin, size, user, wval);
        okb = inline_write(b, lin, size, user, wval);
    } else if (op == OP_READ) {
        oka = mmu_read_slow(a, lin, size, user, PW_ACC_READ, &va);
        okb = mmu_read_slow(b, lin, size, user, PW_ACC_READ, &vb);
    } else if (op == OP_WRITE) {
        oka = mmu_write_slow(a, lin, size, user, wval);
        okb = mmu_write_slow(b, lin, size, user, wval);
    } else {
        uint32_t ava = 0, avb = 0;
        bool fa = false, fb = false;
        const uint8_t *ha = mmu_fetch_ptr(a, lin, user, &ava, &fa);
        const uint8_t *hb = mmu_fetch_ptr(b, lin, user, &avb, &fb);
        CHECK_EQ(ha != NULL, hb != NULL);
        CHECK_EQ(fa, fb);
        CHECK_EQ(ava, avb);
        oka = !fa;
        okb = !fb;
        va = ha ? *ha : 0;
        vb = hb ? *hb : 0;
    }
    CHECK_EQ(oka, okb);
    CHECK_EQ(va, vb);
    /* slow_seq (mmu.h) moves on both for the same accesses, except a read miss through
     * the inline accessor that a's common path served without moving the epoch (b, on the
     * general path, moves it then) */
    bool quiet = op == OP_READ && use_inline && a->q_count != q0 && a->epoch == e0;
    CHECK_EQ(a->slow_seq != sa0, b->slow_seq != sb0 && !quiet);

    CHECK_EQ(a->fault.lin, b->fault.lin);
    CHECK_EQ(a->fault.err, b->fault.err);
    if (++accesses % check_period == 0 && !pair_agree(p, where))
        mismatches++;
    return a->q_count - q0;
}

/* ---- directed: each way out of the common path ---- */

#define LIN 0x00400000u /* PDX 1 */
#define PDE_OK (PTE_P | PTE_RW | PTE_US | PTE_A)

static void fresh(struct pair *p, int model, const struct mmu_tlb_config *cfg)
{
    pair_init(p, model, cfg);
    for (uint32_t i = 0; i < 64; i++)
        pair_map(p, LIN + i * PAGE_SIZE, FRAMES + (i % NFRAMES) * PAGE_SIZE,
                 PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D, PTE_P | PTE_RW | PTE_US | PTE_A);
    pair_cr3(p, FX_CR3);
    pair_cr0(p, false);
}

static void test_directed(int model, const struct mmu_tlb_config *cfg)
{
    struct pair *p = malloc(sizeof *p);
    uint32_t flags_all = PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D;

    /* the common case itself: a read, a write, a fetch, supervisor and user */
    fresh(p, model, cfg);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 0x10, 4, false, 0, "read"), 1);
    CHECK_EQ(pair_access(p, OP_WRITE, LIN + PAGE_SIZE + 8, 4, true, 0x1234, "write"), 1);
    CHECK_EQ(pair_access(p, OP_FETCH, LIN + 2 * PAGE_SIZE + 3, 1, true, 0, "fetch"), 1);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 3 * PAGE_SIZE + 1, 2, true, 0, "read16"), 1);
    /* a TLB hit (the read slot of a user page, now asked for by the supervisor) */
    CHECK_EQ(pair_access(p, OP_READ, LIN + PAGE_SIZE + 8, 4, false, 0, "hit"), 0);
    /* a page access that crosses into the next page */
    CHECK_EQ(pair_access(p, OP_READ, LIN + 5 * PAGE_SIZE - 2, 4, false, 0, "split"), 0);
    /* evictions: 64 pages through a 32-entry TLB, twice */
    for (uint32_t i = 0; i < 128; i++)
        pair_access(p, i % 3 ? OP_READ : OP_WRITE, LIN + (i % 64) * PAGE_SIZE + 4 * i, 4,
                    i & 1, i, "evictions");
    CHECK(mmu_stats(&p->a.mmu).evictions > 0);
    CHECK(p->a.mmu.q_count > 100);
    /* an INVLPG leaves the entry's linear address in its way: still a miss */
    mmu_invlpg(&p->a.mmu, LIN + 127 % 64 * PAGE_SIZE);
    mmu_invlpg(&p->b.mmu, LIN + 127 % 64 * PAGE_SIZE);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 127 % 64 * PAGE_SIZE, 4, false, 0, "after invlpg"), 1);
    pair_free(p);

    /* A or D to set: the general path sets them */
    fresh(p, model, cfg);
    pair_map(p, LIN, FRAMES, PTE_P | PTE_RW | PTE_US, PTE_P | PTE_RW | PTE_US | PTE_A);
    CHECK_EQ(pair_access(p, OP_READ, LIN, 4, false, 0, "PTE.A clear"), 0);
    CHECK(fx_rd32(&p->a, fx_pte_addr(LIN)) & PTE_A);
    pair_map(p, LIN + PAGE_SIZE, FRAMES, PTE_P | PTE_RW | PTE_US | PTE_A, PTE_P | PTE_RW | PTE_US);
    CHECK_EQ(pair_access(p, OP_READ, LIN + PAGE_SIZE, 4, false, 0, "PDE.A clear"), 0);
    pair_map(p, LIN + 2 * PAGE_SIZE, FRAMES, PTE_P | PTE_RW | PTE_US | PTE_A, PDE_OK);
    CHECK_EQ(pair_access(p, OP_WRITE, LIN + 2 * PAGE_SIZE, 4, false, 7, "PTE.D clear"), 0);
    CHECK(fx_rd32(&p->a, fx_pte_addr(LIN + 2 * PAGE_SIZE)) & PTE_D);
    /* a read of a page without D is common; the write after it goes back to the tables */
    pair_map(p, LIN + 3 * PAGE_SIZE, FRAMES, PTE_P | PTE_RW | PTE_US | PTE_A, PDE_OK);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 3 * PAGE_SIZE, 4, false, 0, "read, D clear"), 1);
    CHECK_EQ(pair_access(p, OP_WRITE, LIN + 3 * PAGE_SIZE, 4, false, 9, "then write"), 0);
    pair_free(p);

    /* not present, rights */
    fresh(p, model, cfg);
    pair_map(p, LIN, FRAMES, PTE_RW | PTE_US | PTE_A | PTE_D, PTE_P | PTE_RW | PTE_US | PTE_A);
    CHECK_EQ(pair_access(p, OP_READ, LIN, 4, false, 0, "PTE not present"), 0);
    both_wr32(p, fx_pde_addr(LIN + 0x400000), FX_PT(2) | PTE_RW | PTE_US | PTE_A);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 0x400000, 4, false, 0, "PDE not present"), 0);
    pair_map(p, LIN + PAGE_SIZE, FRAMES, PTE_P | PTE_RW | PTE_A | PTE_D, PDE_OK);
    CHECK_EQ(pair_access(p, OP_READ, LIN + PAGE_SIZE, 4, true, 0, "user, supervisor page"), 0);
    CHECK_EQ(pair_access(p, OP_FETCH, LIN + PAGE_SIZE, 1, true, 0, "user fetch, sv page"), 0);
    pair_map(p, LIN + 2 * PAGE_SIZE, FRAMES, PTE_P | PTE_US | PTE_A | PTE_D, PDE_OK);
    CHECK_EQ(pair_access(p, OP_WRITE, LIN + 2 * PAGE_SIZE, 4, true, 1, "user write, RO"), 0);
    CHECK_EQ(pair_access(p, OP_WRITE, LIN + 2 * PAGE_SIZE, 4, false, 1, "sv write, RO"), 1);
    /* CR0.WP: the 486 flushes and refuses the write now; the 386 ignores WP and hits */
    pair_cr0(p, true);
    CHECK_EQ(pair_access(p, OP_WRITE, LIN + 2 * PAGE_SIZE, 4, false, 2, "sv write, RO, WP"), 0);
    CHECK_EQ(p->a.mmu.fault.err, model == 486 ? (PF_ERR_P | PF_ERR_W) : 0);
    /* a read of a read-only page gets no write slot */
    CHECK_EQ(pair_access(p, OP_READ, LIN + 2 * PAGE_SIZE + 4, 4, true, 0, "RO read"),
             p->a.mmu.wp ? 1 : 0);
    pair_free(p);

    /* the page table outside RAM, in the hole; the directory outside RAM and in the hole */
    fresh(p, model, cfg);
    both_wr32(p, fx_pde_addr(LIN), 0x00F00000u | PTE_P | PTE_RW | PTE_US | PTE_A);
    CHECK_EQ(pair_access(p, OP_READ, LIN, 4, false, 0, "table off RAM"), 0);
    both_wr32(p, fx_pde_addr(LIN), 0x000A0000u | PTE_P | PTE_RW | PTE_US | PTE_A);
    CHECK_EQ(pair_access(p, OP_READ, LIN + PAGE_SIZE, 4, false, 0, "table in the hole"), 0);
    pair_cr3(p, 0x00F00000u);
    CHECK_EQ(pair_access(p, OP_READ, LIN, 4, false, 0, "directory off RAM"), 0);
    pair_cr3(p, 0x000B8000u);
    CHECK_EQ(pair_access(p, OP_READ, LIN, 4, false, 0, "directory in the hole"), 0);
    pair_cr3(p, FX_CR3);
    both_wr32(p, fx_pde_addr(LIN), FX_PT(1) | PTE_P | PTE_RW | PTE_US | PTE_A);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 4 * PAGE_SIZE, 4, false, 0, "back"), 1);
    /* a data frame outside RAM, in the hole */
    pair_map(p, LIN + 5 * PAGE_SIZE, 0x00F00000u, flags_all, PDE_OK);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 5 * PAGE_SIZE, 4, false, 0, "frame off RAM"), 0);
    pair_map(p, LIN + 6 * PAGE_SIZE, 0x000A0000u, flags_all, PDE_OK);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 6 * PAGE_SIZE, 4, false, 0, "frame in the hole"), 0);
    pair_free(p);

    /* A20 off: the tables and frames it folds are still plain RAM, but the common case
     * leaves the wrap-around to the general path (mmu.h, q_on), with the same results */
    fresh(p, model, cfg);
    pair_map(p, LIN, FRAMES_HI, flags_all, PDE_OK);
    both_wr32(p, FRAMES, 0xAAAA5555u);
    phys_set_a20(&p->a.phys, false);
    phys_set_a20(&p->b.phys, false);
    CHECK_EQ(pair_access(p, OP_READ, LIN, 4, false, 0, "A20 off"), 0);
    CHECK_EQ(pair_access(p, OP_WRITE, LIN + PAGE_SIZE, 4, false, 3, "A20 off, write"), 0);
    both_wr32(p, fx_pde_addr(LIN), (FX_PT(1) | 0x100000u) | PTE_P | PTE_RW | PTE_US | PTE_A);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 2 * PAGE_SIZE, 4, false, 0, "A20 off, table"), 0);
    phys_set_a20(&p->a.phys, true);
    phys_set_a20(&p->b.phys, true);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 3 * PAGE_SIZE, 4, false, 0, "A20 on again"), 0);
    pair_free(p);

    /* watched frames */
    fresh(p, model, cfg);
    phys_set_frame_flags(&p->a.phys, FRAMES, PHYS_F_WATCH_R, 0);
    phys_set_frame_flags(&p->b.phys, FRAMES, PHYS_F_WATCH_R, 0);
    phys_set_frame_flags(&p->a.phys, FRAMES + PAGE_SIZE, PHYS_F_WATCH_W, 0);
    phys_set_frame_flags(&p->b.phys, FRAMES + PAGE_SIZE, PHYS_F_WATCH_W, 0);
    pair_record(p, true);
    pair_record(p, false); /* the frames are watched, the events not subscribed */
    CHECK_EQ(pair_access(p, OP_READ, LIN, 4, false, 0, "read-watched"), 0);
    CHECK_EQ(pair_access(p, OP_FETCH, LIN + NFRAMES * PAGE_SIZE, 1, false, 0, "fetch, watched"),
             0);
    CHECK_EQ(pair_access(p, OP_READ, LIN + PAGE_SIZE, 4, false, 0, "write-watched, read"), 1);
    CHECK_EQ(pair_access(p, OP_WRITE, LIN + PAGE_SIZE + NFRAMES * PAGE_SIZE, 4, false, 5,
                         "write-watched, write"), 0);
    pair_free(p);

    /* events subscribed mid-run, --tlb-check toggled */
    fresh(p, model, cfg);
    CHECK_EQ(pair_access(p, OP_READ, LIN, 4, false, 0, "before"), 1);
    pair_record(p, true);
    CHECK_EQ(pair_access(p, OP_READ, LIN + PAGE_SIZE, 4, false, 0, "subscribed"), 0);
    CHECK(p->ra.n >= 2); /* a walk and a fill at least */
    pair_record(p, false);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 2 * PAGE_SIZE, 4, false, 0, "unsubscribed"), 1);
    mmu_set_tlb_check(&p->a.mmu, true);
    mmu_set_tlb_check(&p->b.mmu, true);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 3 * PAGE_SIZE, 4, false, 0, "tlb-check"), 0);
    mmu_set_tlb_check(&p->a.mmu, false);
    mmu_set_tlb_check(&p->b.mmu, false);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 4 * PAGE_SIZE, 4, false, 0, "tlb-check off"), 1);
    pair_free(p);

    /* a device window over RAM: everything is decoded the long way from then on */
    fresh(p, model, cfg);
    CHECK_EQ(phys_map_hostmem(&p->a.phys, FRAMES + 2 * PAGE_SIZE, PAGE_SIZE, p->win_a, "w"), 0);
    CHECK_EQ(phys_map_hostmem(&p->b.phys, FRAMES + 2 * PAGE_SIZE, PAGE_SIZE, p->win_b, "w"), 0);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 2 * PAGE_SIZE, 4, false, 0, "window"), 0);
    CHECK_EQ(pair_access(p, OP_WRITE, LIN + 3 * PAGE_SIZE, 4, false, 6, "window over RAM"), 0);
    pair_free(p);
    free(p);
}

/* ---- the inline accessors' miss entries ---- */

/* A fast lookup on both machines (it counts a hit on success). */
static bool pair_fast(struct pair *p, uint32_t lin, unsigned size)
{
    uint8_t *ha = mmu_fast_lookup(&p->a.mmu, PW_ACC_READ, false, lin, size);
    uint8_t *hb = mmu_fast_lookup(&p->b.mmu, PW_ACC_READ, false, lin, size);
    CHECK_EQ(ha != NULL, hb != NULL);
    return ha != NULL;
}

static void test_entries(void)
{
    struct mmu_tlb_config c386 = mmu_tlb_default(386);
    struct pair *p = malloc(sizeof *p);
    fresh(p, 386, &c386);
    struct mmu *a = &p->a.mmu;
    use_inline = true;
    uint64_t s0 = a->slow_seq, c0 = a->code_seq;
    /* a common-case read miss that evicts nothing a fetch slot mirrored moves neither: it
     * changed the TLB and the fast slots, nothing a block loop checks again */
    CHECK_EQ(pair_access(p, OP_READ, LIN + 8, 4, false, 0, "inline read miss"), 1);
    CHECK_EQ(a->slow_seq, s0);
    CHECK_EQ(a->code_seq, c0);
    /* the write slot it entered: a fast write moves neither */
    CHECK_EQ(pair_access(p, OP_WRITE, LIN + 12, 4, false, 5, "fast write"), 0);
    CHECK_EQ(a->slow_seq, s0);
    CHECK_EQ(a->code_seq, c0);
    /* a write miss moves both */
    CHECK_EQ(pair_access(p, OP_WRITE, LIN + PAGE_SIZE, 2, false, 6, "inline write miss"), 1);
    CHECK_EQ(a->slow_seq, s0 + 1);
    CHECK_EQ(a->code_seq, c0 + 1);
    /* a read miss that sets an A bit takes the general path: both move */
    pair_map(p, LIN + 2 * PAGE_SIZE, FRAMES, PTE_P | PTE_RW | PTE_US, PDE_OK);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 2 * PAGE_SIZE, 1, false, 0, "sets A"), 0);
    CHECK_EQ(a->slow_seq, s0 + 2);
    CHECK_EQ(a->code_seq, c0 + 2);
    CHECK(fx_rd32(&p->a, fx_pte_addr(LIN + 2 * PAGE_SIZE)) & PTE_A);
    /* an access that crosses into the next page is never a fast hit, even with both pages
     * in the fast table: the tag compared is the one of its last byte's page */
    CHECK_EQ(pair_access(p, OP_READ, LIN + 3 * PAGE_SIZE, 4, false, 0, "page 3"), 1);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 4 * PAGE_SIZE, 4, false, 0, "page 4"), 1);
    uint64_t h0 = a->slow_hits;
    CHECK_EQ(pair_access(p, OP_READ, LIN + 4 * PAGE_SIZE - 2, 4, false, 0, "crossing"), 0);
    CHECK_EQ(a->slow_hits, h0 + 2); /* both pages, TLB hits through the slow path */
    CHECK(!pair_fast(p, LIN + 4 * PAGE_SIZE - 1, 2));
    CHECK(pair_fast(p, LIN + 4 * PAGE_SIZE - 2, 2));
    CHECK(pair_fast(p, LIN + 4 * PAGE_SIZE - 1, 1));
    CHECK(!pair_fast(p, LIN + 4 * PAGE_SIZE - 8, 9));
    CHECK(pair_fast(p, LIN + 3 * PAGE_SIZE, PAGE_SIZE));
    CHECK(pair_agree(p, "fast lookups"));

    /* a second MMU on the same bus takes the change hooks: the first, which would no longer
     * hear of a subscription or a bus change, keeps to the general path and stays exact */
    struct mmu *c = malloc(sizeof *c);
    CHECK_EQ(mmu_init(c, &p->a.phys, &p->a.ev, 386, &c386), 0);
    CHECK(!a->q_hooked);
    CHECK(!a->q_on);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 5 * PAGE_SIZE, 4, false, 0, "hooks taken"), 0);
    pair_record(p, true);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 6 * PAGE_SIZE, 4, false, 0, "taken, subscribed"), 0);
    pair_record(p, false);
    CHECK_EQ(pair_access(p, OP_READ, LIN + 7 * PAGE_SIZE, 4, false, 0, "taken, unsubscribed"),
             0);
    mmu_free(c);
    free(c);
    use_inline = false;
    pair_free(p);
    free(p);

    /* a full 64-entry RANDOM TLB (tlb_valid == q_full, all 64 bits): 128 pages, 3 passes */
    struct mmu_tlb_config rnd64 = { .mode = TLB_SETASSOC, .sets = 16, .ways = 4,
                                    .policy = TLB_RANDOM, .seed = 11 };
    p = malloc(sizeof *p);
    fresh(p, 386, &rnd64);
    for (uint32_t i = 64; i < 128; i++)
        pair_map(p, LIN + i * PAGE_SIZE, FRAMES + (i % NFRAMES) * PAGE_SIZE,
                 PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D, PDE_OK);
    uint64_t q0 = p->a.mmu.q_count;
    for (uint32_t i = 0; i < 3 * 128; i++)
        pair_access(p, i % 5 ? OP_READ : OP_WRITE, LIN + (i * 37 % 128) * PAGE_SIZE + 8, 4,
                    false, i, "random 16x4, full");
    CHECK_EQ(p->a.mmu.tlb_valid, ~0ull);
    CHECK(mmu_stats(&p->a.mmu).evictions > 100);
    CHECK(p->a.mmu.q_count - q0 > 200);
    pair_free(p);
    free(p);

    /* mmu_fast_match against the two-test form it replaced, for every tag a slot of lin's
     * index can hold near lin's page (the page itself, the ones 256 pages away), at the end
     * of a page and of the 4 GiB space */
    static const uint32_t pages[] = { 0x00400000u, 0xFFFFF000u, 0x00000000u };
    for (unsigned k = 0; k < 3; k++)
        for (uint32_t off = PAGE_SIZE - 12; off < PAGE_SIZE; off++)
            for (unsigned size = 1; size <= 8; size++)
                for (int d = -1; d <= 1; d++) {
                    uint32_t lin = pages[k] + off;
                    struct mmu_fast f = { .tag = (lin & PAGE_MASK) + (uint32_t)d * 256u * PAGE_SIZE };
                    bool two = f.tag == (lin & PAGE_MASK) && (lin & ~PAGE_MASK) <= PAGE_SIZE - size;
                    CHECK_EQ(mmu_fast_match(&f, lin, size), two);
                }
}

/* ---- random: everything mixed ---- */


#define NPAGES 48

static uint32_t lin_page(uint32_t i)
{
    return (i < NPAGES / 2 ? 0x00400000u : 0x00800000u - (NPAGES / 2) * PAGE_SIZE) +
           i * PAGE_SIZE;
}

static uint32_t random_pte(void)
{
    uint32_t flags = fx_rnd(10) ? PTE_P : 0;
    flags |= fx_rnd(3) ? PTE_RW : 0;
    flags |= fx_rnd(4) ? PTE_US : 0;
    flags |= fx_rnd(5) ? PTE_A : 0;
    flags |= fx_rnd(3) ? PTE_D : 0;
    /* one draw a statement: the order of the draws is the same with every compiler */
    uint32_t frame = fx_rnd(2) ? FRAMES : FRAMES_HI;
    frame += fx_rnd(NFRAMES) * PAGE_SIZE;
    if (fx_rnd(40) == 0)
        frame = fx_rnd(2) ? 0x00F00000u : 0x000A0000u; /* outside RAM, in the hole */
    return frame | flags;
}

static uint32_t random_pde(uint32_t pdx)
{
    uint32_t table = FX_PT(pdx);
    if (fx_rnd(30) == 0)
        table = fx_rnd(2) ? 0x00F00000u : 0x000A0000u;
    else if (fx_rnd(30) == 0)
        table |= 0x100000u; /* the same table with A20 off */
    table |= fx_rnd(12) ? PTE_P : 0;
    table |= fx_rnd(4) ? PTE_RW : 0;
    table |= fx_rnd(4) ? PTE_US : 0;
    return table | (fx_rnd(4) ? PTE_A : 0);
}

static void test_random(int model, const struct mmu_tlb_config *cfg, uint64_t seed,
                        const char *name, int steps)
{
    struct pair *p = malloc(sizeof *p);
    pair_init(p, model, cfg);
    fx_rng_state = seed;
    mismatches = 0;
    check_period = 16;
    for (uint32_t i = 0; i < NPAGES; i++) {
        uint32_t pte = random_pte() | PTE_P | PTE_A;
        pair_map(p, lin_page(i), pte & PAGE_MASK, pte & 0xFFF, PTE_P | PTE_RW | PTE_US | PTE_A);
    }
    /* the second directory: the same tables */
    for (uint32_t pdx = 0; pdx < 8; pdx++)
        both_wr32(p, ALT_PD + pdx * 4, fx_rd32(&p->a, FX_CR3 + pdx * 4));
    for (uint32_t a = FRAMES; a < FRAMES + NFRAMES * PAGE_SIZE; a += 4) {
        both_wr32(p, a, a * 2654435761u);
        both_wr32(p, a + (FRAMES_HI - FRAMES), ~a * 2654435761u);
    }
    pair_cr3(p, FX_CR3);
    bool wp = false;
    pair_cr0(p, wp);
    uint32_t cur = 0;
    bool cur_user = false;
    for (int step = 0; step < steps && mismatches < 3; step++) {
        uint32_t op = fx_rnd(1000);
        if (fx_rnd(3) == 0)
            cur = fx_rnd(NPAGES), cur_user = fx_rnd(2);
        uint32_t lin = lin_page(cur) + fx_rnd(PAGE_SIZE);
        unsigned size = 1u << fx_rnd(3);
        use_inline = (step >> 4) & 1; /* runs of 16 each way, without drawing */
        if (op < 450) {
            pair_access(p, OP_READ, lin, size, cur_user, 0, name);
        } else if (op < 700) {
            pair_access(p, OP_WRITE, lin, size, cur_user, fx_rnd(0x7FFFFFFF), name);
        } else if (op < 800) {
            pair_access(p, OP_FETCH, lin, 1, cur_user, 0, name);
        } else if (op < 900) { /* edit a PTE, no invalidation */
            uint32_t at = fx_pte_addr(lin_page(fx_rnd(NPAGES)));
            both_wr32(p, at, random_pte());
        } else if (op < 930) { /* edit a PDE, no invalidation */
            uint32_t pdx = fx_rnd(2) ? 1 : 2;
            uint32_t pde = random_pde(pdx);
            both_wr32(p, FX_CR3 + pdx * 4, pde);
        } else if (op < 950) {
            mmu_invlpg(&p->a.mmu, lin);
            mmu_invlpg(&p->b.mmu, lin);
        } else if (op < 965) {
            static const uint32_t cr3s[] = { FX_CR3, ALT_PD, FX_CR3, ALT_PD, FX_CR3, ALT_PD,
                                             0x00F00000u, 0x000A0000u };
            pair_cr3(p, cr3s[fx_rnd(8)]);
        } else if (op < 970) {
            wp = !wp;
            pair_cr0(p, wp);
        } else if (op < 978) { /* a watch bit on a frame, or off again */
            uint32_t fr = FRAMES + fx_rnd(NFRAMES) * PAGE_SIZE;
            uint8_t set = (uint8_t)(fx_rnd(3) ? 0 : 1 + fx_rnd(3)), clear = (uint8_t)(~set & 3);
            phys_set_frame_flags(&p->a.phys, fr, set, clear);
            phys_set_frame_flags(&p->b.phys, fr, set, clear);
        } else if (op < 986) {
            bool on = fx_rnd(3) != 0;
            phys_set_a20(&p->a.phys, on);
            phys_set_a20(&p->b.phys, on);
        } else if (op < 993) {
            pair_record(p, fx_rnd(4) == 0);
        } else {
            bool on = fx_rnd(8) == 0;
            mmu_set_tlb_check(&p->a.mmu, on);
            mmu_set_tlb_check(&p->b.mmu, on);
        }
        if (step == steps * 3 / 4) { /* late in the run: a window over a data frame */
            phys_map_hostmem(&p->a.phys, FRAMES + 7 * PAGE_SIZE, PAGE_SIZE, p->win_a, "w");
            phys_map_hostmem(&p->b.phys, FRAMES + 7 * PAGE_SIZE, PAGE_SIZE, p->win_b, "w");
        }
    }
    pair_agree(p, name);
    check_period = 1;
    use_inline = false;
    /* the run must have exercised both paths on A, and B never the common one */
    CHECK(p->a.mmu.q_count > 1000);
    CHECK(p->a.mmu.q_count < mmu_stats(&p->a.mmu).misses);
    CHECK_EQ(p->b.mmu.q_count, 0);
    CHECK(p->ra.n > 1000);
    printf("  %s: %" PRIu64 " misses, %" PRIu64 " on the common path, %" PRIu64 " events\n",
           name, mmu_stats(&p->a.mmu).misses, p->a.mmu.q_count, p->ra.n);
    pair_free(p);
    free(p);
}

/* The written-out 4-way tree pseudo-LRU against the general one. */
static void test_plru4(void)
{
    struct fx f;
    struct mmu_tlb_config cfg = { .mode = TLB_SETASSOC, .sets = 8, .ways = 4, .policy = TLB_PLRU };
    fx_init(&f, RAM_SIZE, 486, &cfg);
    for (unsigned b = 0; b < 8; b++) {
        f.mmu.plru[0] = (uint8_t)b;
        CHECK_EQ(mmu_plru4_victim((uint8_t)b), mmu_tlb_plru_victim(&f.mmu, 0));
        for (unsigned w = 0; w < 4; w++) {
            f.mmu.plru[0] = (uint8_t)b;
            mmu_tlb_plru_use(&f.mmu, 0, w);
            CHECK_EQ(mmu_plru4_use((uint8_t)b, w), f.mmu.plru[0]);
        }
    }
    fx_free(&f);
}

int main(void)
{
    struct mmu_tlb_config c386 = mmu_tlb_default(386), c486 = mmu_tlb_default(486);
    struct mmu_tlb_config lru = { .mode = TLB_SETASSOC, .sets = 8, .ways = 4, .policy = TLB_LRU };
    struct mmu_tlb_config fifo = { .mode = TLB_SETASSOC, .sets = 8, .ways = 4,
                                   .policy = TLB_FIFO };
    struct mmu_tlb_config rnd64 = { .mode = TLB_SETASSOC, .sets = 16, .ways = 4,
                                    .policy = TLB_RANDOM, .seed = 9 };
    struct mmu_tlb_config small = { .mode = TLB_SETASSOC, .sets = 2, .ways = 4,
                                    .policy = TLB_RANDOM, .seed = 7 };
    struct mmu_tlb_config two = { .mode = TLB_SETASSOC, .sets = 4, .ways = 2, .policy = TLB_LRU };
    test_plru4();
    test_directed(386, &c386);
    test_directed(486, &c486);
    test_directed(486, &lru);
    test_entries();
    test_random(386, &c386, 1, "386 random", 60000);
    test_random(486, &c486, 2, "486 plru", 60000);
    test_random(386, &lru, 3, "lru 8x4", 40000);
    test_random(486, &fifo, 4, "fifo 8x4", 40000);
    test_random(386, &rnd64, 6, "random 16x4", 40000);
    test_random(386, &small, 5, "random 2x4", 40000);
    /* geometries the common path does not take (2 ways; 64 entries under a policy other
     * than RANDOM, see q_full): both machines on the general path */
    struct mmu_tlb_config fifo64 = { .mode = TLB_SETASSOC, .sets = 16, .ways = 4,
                                     .policy = TLB_FIFO };
    const struct mmu_tlb_config *general_only[] = { &two, &fifo64 };
    for (int g = 0; g < 2; g++) {
        struct pair *p = malloc(sizeof *p);
        pair_init(p, 386, general_only[g]);
        for (uint32_t i = 0; i < 8; i++)
            pair_map(p, LIN + i * PAGE_SIZE, FRAMES, PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D,
                     PTE_P | PTE_RW | PTE_US | PTE_A);
        pair_cr3(p, FX_CR3);
        pair_cr0(p, false);
        for (uint32_t i = 0; i < 32; i++)
            CHECK_EQ(pair_access(p, OP_READ, LIN + (i % 8) * PAGE_SIZE, 4, false, 0,
                                 "general only"), 0);
        pair_free(p);
        free(p);
    }
    return test_summary("test_mmu_miss");
}
