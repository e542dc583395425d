/* The common-case TLB miss: what every fast-table miss tries first.
 *
 * Most fast-table misses are plain TLB misses in ordinary conditions: paging on, the 386/486
 * TLB geometry (4 ways, at most 64 entries), the page directory and table in plain RAM with
 * P and A already set (and D for a write), rights that allow the access, a data frame of
 * plain, unwatched RAM, nobody subscribed to walk/fill/evict events and --tlb-check off.
 * quick_check() and quick_commit() then do what mmu.c's translate() + host_page() +
 * fast_enter() would, in one straight run: every condition is tested before anything
 * changes, and any surprise (a bit to set, a fault, a TLB hit, a window...) sends the whole
 * access to the general path (mmu.c) by a tail call. Same statistics, same victim (the RANDOM sequence included), same
 * entry, same fast slots, same epoch, same events (none: nobody listens to the ones a miss
 * publishes). tests/unit/mmu/test_mmu_miss.c runs it against the general path.
 *
 * The conditions that change rarely (paging, geometry, --tlb-check, subscriptions, the bus,
 * CR3) are folded into one pointer, m->q_pd, recomputed when they change (the bus and the
 * event bus call back: mmu.c, hooks_take): the page directory, or a directory of zeros
 * whose PDEs send everything to the general path. The entries the inline accessors call
 * (mmu_read_miss8/16/32, mmu_write_miss8/16/32), the read's common case alone
 * (mmu_read_quick_of, for the CPU's block loop) and mmu_fetch_ptr's miss make no call on
 * the common path (a full TLB under RANDOM, or a set with a free way), so they save few
 * registers, and a read's value comes back in a register. tests/bench/PROFILE.md has the
 * measurements ("MMU miss path, fourth round"). */
#include "mmu/mmu.h"

#include "mmu/internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define QUICK_EVENTS \
    (PW_EV_BIT(PW_EV_WALK) | PW_EV_BIT(PW_EV_TLB_FILL) | PW_EV_BIT(PW_EV_TLB_EVICT))

/* Is the page-aligned frame plain RAM (phys_ram_direct's test with A20 on, as q_on has it)? */
static MMU_ALWAYS_INLINE bool quick_ram(const struct mmu *m, uint32_t frame)
{
    return frame < m->q_ram_limit && frame - PHYS_HOLE_START >= PHYS_HOLE_END - PHYS_HOLE_START;
}

/* The table of the PDE value 0 in the PDE cache (mmu.h, q_pde): all not present, so that
 * the cache needs no valid flag (a PDE of 0 reads a PTE of 0 and leaves the common path). */
static const uint32_t quick_no_table[1024];

void mmu_quick_refresh(struct mmu *m)
{
    const struct phys *p = m->phys;
    m->q_pde = 0;
    m->q_ptab = (const uint8_t *)quick_no_table;
    m->q_cr3 = m->cr3;
    m->q_gen = p->gen;
    m->q_ram_limit = p->win_over_ram ? 0 : p->ram_size;
    m->q_ram = p->ram;
    m->q_frame_flags = p->frame_flags;
    m->q_set16 = (m->cfg.sets - 1) << 4;
    /* q_full: tlb_valid with every entry valid under RANDOM (so one compare tests both in
     * the usual state), a value tlb_valid never takes under the other policies (which
     * therefore need fewer than 64 entries here) */
    bool random = m->cfg.policy == TLB_RANDOM;
    m->q_full = !random ? ~0ull : m->tlb_n >= 64 ? ~0ull : (1ull << m->tlb_n) - 1;
    /* A20 off (real-mode wrap-around) is left to the general path: the common case then
     * needs no address mask */
    m->q_on = m->paging && p->a20 && m->cfg.mode == TLB_SETASSOC && m->cfg.ways == 4 &&
              mmu_tlb_masked(m) && (random || m->tlb_n < 64) && !m->tlb_check &&
              !(m->events && (m->events->mask & QUICK_EVENTS)) && m->q_hooked;
    const uint8_t *pd = m->q_on ? phys_ram_direct(p, m->cr3 & PAGE_MASK, PAGE_SIZE) : NULL;
    m->q_pd = pd ? pd : (const uint8_t *)quick_no_table;
}

void mmu_quick_new_cr3(struct mmu *m)
{
    if (m->q_gen != m->phys->gen) {
        mmu_quick_refresh(m);
        return;
    }
    uint32_t pd = m->cr3 & PAGE_MASK; /* q_on: A20 on */
    m->q_cr3 = m->cr3;
    m->q_pd = m->q_on && quick_ram(m, pd) ? m->q_ram + pd : (const uint8_t *)quick_no_table;
}

/* The first eight bytes (tag, tlb_index) of a fast slot that mirrors entry idx for page:
 * one compare, or one store, instead of two. */
static MMU_ALWAYS_INLINE uint64_t quick_key(uint32_t page, int32_t idx)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (uint64_t)(uint32_t)idx << 32 | page;
#else
    return (uint64_t)page << 32 | (uint32_t)idx;
#endif
}

/* Sixteen times the set of lin: the byte offset of its four tags in tlb_lin (and four times
 * its first entry's index). */
static MMU_ALWAYS_INLINE uintptr_t quick_set16(const struct mmu *m, uint32_t lin)
{
    return (lin >> (PAGE_SHIFT - 4)) & m->q_set16;
}

/* Is page one of the four tags at t (a set of the TLB)? */
static MMU_ALWAYS_INLINE bool quick_in_set(const uint32_t *t, uint32_t page)
{
#if defined(__SSE2__)
    __m128i eq = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)t),
                                 _mm_set1_epi32((int)page));
    return _mm_movemask_epi8(eq) != 0;
#else
    return t[0] == page || t[1] == page || t[2] == page || t[3] == page;
#endif
}

/* Empties fast slot g if it mirrors the entry that holds page (mmu_fast_drop1). In a
 * set-associative TLB a page is in one entry at most, and a slot is dropped whenever its
 * entry stops holding its page (eviction, drop, flush, a refresh for D), so a slot with the
 * page's tag mirrors that entry: the tag alone tells. */
static MMU_ALWAYS_INLINE void quick_drop1(struct mmu_fast *g, uint32_t page)
{
    if (g->tag == page)
        g->tag = MMU_FAST_EMPTY;
}

/* Enters fast slot g for the entry and page of key (fast_set in mmu.c). */
static MMU_ALWAYS_INLINE void quick_slot(struct mmu_fast *g, uint64_t key, uintptr_t addend)
{
    memcpy(g, &key, sizeof key);
    g->addend = addend;
}


/* The way a fill of a full set replaces under RANDOM, as mmu_tlb_pick_victim. */
static MMU_ALWAYS_INLINE unsigned quick_random4(struct mmu *m)
{
    return mmu_rng_way(mmu_rng_draw(m), 4);
}

/* The way a fill of a full set replaces when the policy is not RANDOM (mmu_tlb_pick_victim,
 * written for 4 ways). */
static MMU_ALWAYS_INLINE unsigned quick_victim_other(const struct mmu *m, unsigned set,
                                                     const struct mmu_tlb_entry *e)
{
    if (m->cfg.policy == TLB_PLRU)
        return mmu_plru4_victim(m->plru[set]);
    unsigned v = 0; /* LRU, FIFO: the smallest stamp, the first of equals */
    for (unsigned w = 1; w < 4; w++)
        if (e[w].stamp < e[v].stamp)
            v = w;
    return v;
}

/* Points the compiler may not move memory accesses across (QUICK_FENCE), nor reuse values
 * derived from a across (QUICK_PHASE, which also hands on b): the commit below runs in
 * phases, and without these the compiler hoists every load (the TLB base, the PLRU bits,
 * ...) to the top and keeps it, and every shifted copy of lin, in a callee-saved register
 * that the function must then save and restore (measured: 6 pushed registers without, 2
 * with; the mix below is the one that measured fewest instructions). */
#if defined(__GNUC__)
#define QUICK_FENCE() __asm__ volatile("" ::: "memory")
#define QUICK_PHASE(a, b) __asm__ volatile("" : "+r"(a) : "r"(b) : "memory")
#else
#define QUICK_FENCE() ((void)0)
#define QUICK_PHASE(a, b) ((void)0)
#endif

/* In the cached PTE quick_check hands to quick_commit, bits the entry never holds (PTE bits
 * 9-10, which cached_pte() drops): the frame's write-watch and code flags, set when it may
 * not be written through a fast slot. */
#define QUICK_NO_WRITE ((uint32_t)(PHYS_F_WATCH_W | PHYS_F_CODE) << 8)

/* The checks of a common-case miss: true when it is one, with the PTE as the TLB entry will
 * cache it (cached_pte() in mmu.c, plus QUICK_NO_WRITE) and the host address of lin; false,
 * with nothing changed, for the general path. */
static MMU_ALWAYS_INLINE bool quick_check(struct mmu *m, uint32_t lin, enum pw_access acc,
                                          bool user, unsigned size, uint32_t *cpte,
                                          uint8_t **hl, bool within)
{
    /* (within: the caller knows that the access stays in its page) */
    if (!within && !MMU_LIKELY((lin & ~PAGE_MASK) <= PAGE_SIZE - size))
        return false; /* the access crosses a page */

    /* The walk (walk.c's rules), with nothing to set. A PDE equal to the last one that
     * passed needs no checks: the same value names the same table, and what made it plain
     * RAM (the bus, A20) has not changed since, or mmu_quick_refresh would have forgotten
     * it. When the common case does not apply, q_pd is a directory of zeros: its PDE
     * leaves below, before anything that assumes the common geometry. */
    uint32_t pde, pte;
    memcpy(&pde, m->q_pd + 4 * (size_t)(lin >> 22), 4);
    const uint8_t *ptab = m->q_ptab;
    if (!MMU_LIKELY(pde == m->q_pde)) {
        uint32_t table = pde & PAGE_MASK;
        if ((pde & (PTE_P | PTE_A)) != (PTE_P | PTE_A) || !quick_ram(m, table))
            return false;
        ptab = m->q_ram + table;
        m->q_pde = pde; /* a cache: no observable state */
        m->q_ptab = ptab;
    }
    memcpy(&pte, ptab + ((lin >> 10) & 0xFFCu), 4);
    uint32_t want = PTE_P | PTE_A | (acc == PW_ACC_WRITE ? PTE_D : 0);
    uint32_t rights = pde & pte & (PTE_RW | PTE_US);
    if ((pte & want) != want || !mmu_rights_allow(m, rights, acc, user))
        return false;

    /* The set (its four tags, contiguous in tlb_lin): a tag equal to the page is a valid
     * entry (invalid ones hold MMU_TLB_NO_PAGE), that is a TLB hit, which the general path
     * handles. */
    const uint32_t *t = (const uint32_t *)((const uint8_t *)m->tlb_lin + quick_set16(m, lin));
    if (!MMU_LIKELY(!quick_in_set(t, lin & PAGE_MASK)))
        return false;

    /* The frame: plain RAM that host_page() would hand out for this access (quick_ram with
     * the hole test in the frame's flags). */
    uint32_t fa = pte & PAGE_MASK;
    if (!MMU_LIKELY(fa < m->q_ram_limit))
        return false;
    uint8_t fl = m->q_frame_flags[fa >> PAGE_SHIFT];
    if (acc == PW_ACC_WRITE
            ? (fl & (PHYS_F_HOLE | PHYS_F_WATCH_R | PHYS_F_WATCH_W | PHYS_F_CODE)) != 0
            : (fl & (PHYS_F_HOLE | PHYS_F_WATCH_R)) != 0)
        return false;
    /* cached_pte(): frame, P, A, D as the tables have it, PWT/PCD, the combined rights */
    *cpte = (pte & (PAGE_MASK | PTE_D | PTE_PWT | PTE_PCD)) | PTE_P | PTE_A | rights |
            ((uint32_t)fl << 8 & QUICK_NO_WRITE);
    *hl = m->q_ram + fa + (lin & ~PAGE_MASK);
    return true;
}

/* The commit of a common-case miss after quick_check, once the access is done: the miss,
 * its walk and its fill (mmu_tlb_fill_inline for a masked 4-way set), then the fast slots
 * fast_enter() would enter. addend is the host address of lin minus lin. Few values live
 * (m, lin, cpte, addend, the entry's index), so that it needs no callee-saved register. */
/* What the caller of quick_commit already knows about the TLB's state. */
enum quick_state {
    QUICK_ANY,         /* nothing */
    QUICK_FULL_RANDOM, /* RANDOM with every entry valid: tlb_valid == q_full */
    QUICK_FREE,        /* the set has a free way: 'valid' holds its ways' valid bits */
};

static MMU_ALWAYS_INLINE uint64_t quick_commit(struct mmu *m, uint32_t lin,
                                               enum pw_access acc, bool user, uint32_t cpte,
                                               uintptr_t addend, enum quick_state state,
                                               unsigned valid, bool miss_entry)
{
    uint64_t moved = 0; /* MMU_MISS_MOVED when a read miss entry moved slow_seq */
    /* One count: the lookup, miss, walk, fill and eviction are derived from it (mmu.h,
     * q_free; mmu_stats). */
    m->q_count++;

    /* The victim: a free way of the set (lowest first), else by policy. */
    uintptr_t set16 = quick_set16(m, lin);
    unsigned set = (unsigned)(set16 >> 4);
    uintptr_t idx; /* the entry's index, full width: it indexes arrays */
    uint64_t tlb_valid = m->tlb_valid;
    unsigned way;
    if (state == QUICK_FULL_RANDOM ||
        (state == QUICK_ANY && MMU_LIKELY(tlb_valid == m->q_full))) { /* mmu.h, q_full */
        valid = 0xFu;
        way = quick_random4(m);
    } else { /* this set's ways */
        if (state == QUICK_ANY)
            valid = (unsigned)(tlb_valid >> (set * 4)) & 0xFu;
        if (state == QUICK_FREE || valid != 0xFu)
            way = (unsigned)__builtin_ctz(~valid);
        else
            way = m->cfg.policy == TLB_RANDOM ? quick_random4(m)
                                              : quick_victim_other(m, set, &m->tlb[set * 4]);
        if (m->plru) /* the filled way becomes the set's most recent (not under RANDOM) */
            m->plru[set] = mmu_plru4_use(m->plru[set], way);
    }
    idx = (set16 >> 2) + way;
    if (state != QUICK_FREE && MMU_LIKELY(valid == 0xFu)) {
        QUICK_PHASE(lin, idx);
        /* mmu_tlb_evicted for a masked TLB: the slots of the old page that tlb_mirror says
         * may mirror it (only the supervisor's read and write slots, usually), and the epoch
         * only when a fetch slot may have */
        uint32_t old_page = m->tlb_lin[idx];
        unsigned mir = m->tlb_mirror[idx];
        struct mmu_fast *g = mmu_fast_slot(m, 0, 0, old_page);
        MMU_SCALAR(g); /* one base for the six slots */
        if (MMU_LIKELY(!(mir & ~MMU_MIRROR_SV_DATA))) {
            mmu_fast_empty_sv_data(g); /* without reading them, as mmu_tlb_evicted */
        } else {
            quick_drop1(g, old_page);
            quick_drop1(g + MMU_FAST_SIZE, old_page);
            quick_drop1(g + 2 * MMU_FAST_SIZE, old_page);
            quick_drop1(g + 3 * MMU_FAST_SIZE, old_page);
            if (mir & MMU_MIRROR_FETCH) {
                quick_drop1(g + 4 * MMU_FAST_SIZE, old_page);
                quick_drop1(g + 5 * MMU_FAST_SIZE, old_page);
                m->epoch++;
                if (miss_entry && acc == PW_ACC_READ) { /* mmu_read_miss did not move it */
                    m->slow_seq++;
                    moved = MMU_MISS_MOVED;
                }
            }
        }
    } else {
        m->q_free++; /* no eviction (see mmu_stats) */
        m->tlb_valid = tlb_valid | 1ull << idx;
        m->tlb[idx].valid = true; /* an evicted entry was valid already */
    }
    QUICK_FENCE();

    /* The entry, the most recent of its set. */
    struct mmu_tlb_entry *e = &m->tlb[idx];
    e->lin = lin & PAGE_MASK;
    m->tlb_lin[idx] = lin & PAGE_MASK;
    e->pte = cpte & ~QUICK_NO_WRITE;
    if (state != QUICK_FULL_RANDOM && mmu_tlb_stamps(m)) /* (internal.h) */
        e->stamp = ++m->tick;
    m->tlb_mru = (int32_t)idx;
    QUICK_FENCE();

    /* The slots: [READ][user] (or [FETCH][user]), and [WRITE][user] two tables on when the
     * entry allows a write into writable RAM (a write slot needs D in the entry). */
    uint64_t key = quick_key(lin & PAGE_MASK, (int32_t)idx);
    struct mmu_fast *f = mmu_fast_slot(m, acc == PW_ACC_FETCH ? PW_ACC_FETCH : PW_ACC_READ,
                                       user, lin);
    MMU_SCALAR(f); /* one base for both slots */
    quick_slot(f, key, addend);
    unsigned mirror = acc == PW_ACC_FETCH ? 1u << (4 + user) : 1u << user;
    /* mmu_rights_allow(m, rights, PW_ACC_WRITE, user), testing RW before WP */
    bool can_write = user ? (cpte & (PTE_RW | PTE_US)) == (PTE_RW | PTE_US)
                          : ((cpte & PTE_RW) || !m->wp);
    if (acc == PW_ACC_WRITE ||
        (acc == PW_ACC_READ && (cpte & (PTE_D | QUICK_NO_WRITE)) == PTE_D && can_write)) {
        quick_slot(f + 2 * MMU_FAST_SIZE, key, addend);
        mirror |= 1u << (2 + user);
    }
    m->tlb_mirror[idx] = (uint8_t)mirror;
    return moved;
}

/* One common-case miss, all in one (mmu_read_slow, mmu_write_slow): true with the access
 * done (*rval loaded, or wval stored), false with nothing changed. */
static MMU_ALWAYS_INLINE bool quick_miss(struct mmu *m, uint32_t lin, bool user,
                                         enum pw_access acc, unsigned size, uint32_t wval,
                                         uint32_t *rval)
{
    uint32_t cpte;
    uint8_t *hl;
    if (!MMU_LIKELY(quick_check(m, lin, acc, user, size, &cpte, &hl, false)))
        return false;
    if (acc == PW_ACC_READ)
        *rval = mmu_load_host(hl, size);
    else
        mmu_store_host(hl, size, wval);
    quick_commit(m, lin, acc, user, cpte, (uintptr_t)hl - lin, QUICK_ANY, 0, false);
    return true;
}

/* ---- the entries ---- */

/* The inline accessors' misses (mmu.h). Each common case is a leaf (the phases keep it in
 * the registers a call may clobber, so it saves none); anything else goes to the general
 * path by a tail call. One per size and privilege level: constants save registers and
 * arithmetic. */
/* The set's valid bits when the TLB is not full under RANDOM (see quick_commit). */
static MMU_ALWAYS_INLINE unsigned quick_set_valid(const struct mmu *m, uint32_t lin)
{
    return (unsigned)(m->tlb_valid >> (quick_set16(m, lin) >> 2)) & 0xFu;
}

/* The commit when a full set must give up an entry under a policy other than RANDOM, out
 * of line, so that the usual cases stay small enough to save few registers: RANDOM with a
 * full TLB, and a set with a free way (after a flush). commit_##name picks one of the three
 * for a write or a fetch (a read has its own tail calls, MISS_LEAVES). */
#define COMMIT_FNS(name, user)                                                               \
    static __attribute__((noinline)) void commit_any_##name(struct mmu *m, uint32_t lin,     \
                                                            enum pw_access acc,              \
                                                            uint32_t cpte, uintptr_t addend) \
    {                                                                                        \
        if (acc == PW_ACC_WRITE)                                                             \
            quick_commit(m, lin, PW_ACC_WRITE, user, cpte, addend, QUICK_ANY, 0, false);     \
        else                                                                                 \
            quick_commit(m, lin, PW_ACC_FETCH, user, cpte, addend, QUICK_ANY, 0, false);     \
    }                                                                                        \
    static MMU_ALWAYS_INLINE void commit_##name(struct mmu *m, uint32_t lin,                 \
                                                enum pw_access acc, uint32_t cpte,           \
                                                uintptr_t addend)                            \
    {                                                                                        \
        if (MMU_LIKELY(m->tlb_valid == m->q_full)) {                                         \
            quick_commit(m, lin, acc, user, cpte, addend, QUICK_FULL_RANDOM, 0, false);      \
            return;                                                                          \
        }                                                                                    \
        unsigned valid = quick_set_valid(m, lin);                                            \
        if (valid == 0xFu)                                                                   \
            commit_any_##name(m, lin, acc, cpte, addend);                                    \
        else                                                                                 \
            quick_commit(m, lin, acc, user, cpte, addend, QUICK_FREE, valid, false);         \
    }                                                                                        \
    /* mmu_fetch_ptr's miss: the host address of lin, *avail the bytes left in its page */   \
    static __attribute__((noinline)) const uint8_t *fetch_##name(struct mmu *m, uint32_t lin, \
                                                                 uint32_t *avail,            \
                                                                 bool *faulted)              \
    {                                                                                        \
        uint32_t cpte;                                                                       \
        uint8_t *hl;                                                                         \
        if (!MMU_LIKELY(quick_check(m, lin, PW_ACC_FETCH, user, 1, &cpte, &hl, true)))       \
            return mmu_fetch_general(m, lin, user, avail, faulted);                          \
        uintptr_t addend = (uintptr_t)hl - lin;                                              \
        commit_##name(m, lin, PW_ACC_FETCH, cpte, addend);                                   \
        *avail = PAGE_SIZE - (lin & ~PAGE_MASK);                                             \
        return (const uint8_t *)(addend + lin);                                              \
    }
COMMIT_FNS(sv, false)
COMMIT_FNS(user, true)
#undef COMMIT_FNS

#define MISS_LEAVES(bits, name, user)                                                         \
    static __attribute__((noinline)) uint64_t read_any_##name##bits(                         \
        struct mmu *m, uint32_t lin, uint32_t cpte, uintptr_t addend)                        \
    {                                                                                        \
        uint64_t moved =                                                                     \
            quick_commit(m, lin, PW_ACC_READ, user, cpte, addend, QUICK_ANY, 0, true);       \
        return moved | mmu_load_host((const uint8_t *)(addend + lin), (bits) / 8);           \
    }                                                                                        \
    static __attribute__((noinline)) uint64_t read_free_##name##bits(                        \
        struct mmu *m, uint32_t lin, uint32_t cpte, uintptr_t addend, unsigned valid)        \
    {                                                                                        \
        uint64_t moved =                                                                     \
            quick_commit(m, lin, PW_ACC_READ, user, cpte, addend, QUICK_FREE, valid, true);  \
        return moved | mmu_load_host((const uint8_t *)(addend + lin), (bits) / 8);           \
    }                                                                                        \
    static MMU_ALWAYS_INLINE uint64_t read_##name##bits##_in(struct mmu *m, uint32_t lin,      \
                                                             bool within)                    \
    {                                                                                        \
        uint32_t cpte;                                                                       \
        uint8_t *hl;                                                                         \
        if (!MMU_LIKELY(                                                                     \
                quick_check(m, lin, PW_ACC_READ, user, (bits) / 8, &cpte, &hl, within)))     \
            return MMU_MISS_SLOW | lin;                                                      \
        uintptr_t addend = (uintptr_t)hl - lin;                                              \
        MMU_SCALAR(addend); /* hl is addend + lin below: one register less */                \
        if (!MMU_LIKELY(m->tlb_valid == m->q_full)) {                                        \
            unsigned valid = quick_set_valid(m, lin);                                        \
            if (valid == 0xFu)                                                               \
                return read_any_##name##bits(m, lin, cpte, addend);                          \
            return read_free_##name##bits(m, lin, cpte, addend, valid);                      \
        }                                                                                    \
        uint64_t moved =                                                                     \
            quick_commit(m, lin, PW_ACC_READ, user, cpte, addend, QUICK_FULL_RANDOM, 0, true); \
        return moved | mmu_load_host((const uint8_t *)(addend + lin), (bits) / 8);           \
    }                                                                                        \
    static __attribute__((noinline)) uint64_t read_##name##bits(struct mmu *m, uint32_t lin) \
    {                                                                                        \
        return read_##name##bits##_in(m, lin, false);                                        \
    }                                                                                        \
    static __attribute__((noinline)) uint64_t quick_##name##bits(struct mmu *m, uint32_t lin) \
    {                                                                                        \
        return read_##name##bits##_in(m, lin, true);                                         \
    }                                                                                        \
    static __attribute__((noinline)) bool write_##name##bits(struct mmu *m, uint32_t lin,    \
                                                             uint32_t v)                     \
    {                                                                                        \
        uint32_t cpte;                                                                       \
        uint8_t *hl;                                                                         \
        if (!MMU_LIKELY(                                                                     \
                quick_check(m, lin, PW_ACC_WRITE, user, (bits) / 8, &cpte, &hl, false)))     \
            return mmu_write_general(m, lin, (bits) / 8, user, v);                           \
        mmu_store_host(hl, (bits) / 8, v);                                                   \
        commit_##name(m, lin, PW_ACC_WRITE, cpte, (uintptr_t)hl - lin);                      \
        return true;                                                                         \
    }
#define MISS_FNS(bits)                                                                       \
    MISS_LEAVES(bits, sv, false)                                                             \
    MISS_LEAVES(bits, user, true)                                                            \
    uint64_t mmu_read_miss##bits(struct mmu *m, uint32_t lin, bool user)                     \
    {                                                                                        \
        uint64_t r = user ? read_user##bits(m, lin) : read_sv##bits(m, lin);                 \
        if (MMU_LIKELY(!(r & MMU_MISS_SLOW)))                                                \
            return r;                                                                        \
        return mmu_read_miss_general(m, lin, (bits) / 8, user);                              \
    }                                                                                        \
    bool mmu_write_miss##bits(struct mmu *m, uint32_t lin, bool user, uint32_t v)            \
    {                                                                                        \
        m->slow_seq++;                                                                       \
        m->code_seq++;                                                                       \
        return user ? write_user##bits(m, lin, v) : write_sv##bits(m, lin, v);               \
    }
MISS_FNS(8)
MISS_FNS(16)
MISS_FNS(32)
#undef MISS_FNS

const mmu_read_miss_fn mmu_read_quick_of[2][3] = {{quick_sv8, quick_sv16, quick_sv32},
                                                  {quick_user8, quick_user16, quick_user32}};
#undef MISS_LEAVES

uint64_t mmu_read_miss_general(struct mmu *m, uint32_t lin, unsigned size, bool user)
{
    m->slow_seq++;
    return mmu_read_general(m, lin, size, user, PW_ACC_READ);
}

/* The same for any size, without the block loop's counters (mmu.h). */
bool mmu_read_slow(struct mmu *m, uint32_t lin, unsigned size, bool user, enum pw_access acc,
                   uint32_t *val)
{
    uint64_t r;
    if (acc == PW_ACC_READ && quick_miss(m, lin, user, PW_ACC_READ, size, 0, val))
        return true;
    r = mmu_read_general(m, lin, size, user, acc);
    if (r & MMU_MISS_FAULT)
        return false;
    *val = (uint32_t)r;
    return true;
}

bool mmu_write_slow(struct mmu *m, uint32_t lin, unsigned size, bool user, uint32_t val)
{
    if (quick_miss(m, lin, user, PW_ACC_WRITE, size, val, NULL))
        return true;
    return mmu_write_general(m, lin, size, user, val);
}

/* A fetch-slot hit on an entry other than the one used last, under LRU or PLRU. */
static __attribute__((noinline)) const uint8_t *fetch_touch(struct mmu *m, int32_t idx,
                                                            const uint8_t *h)
{
    mmu_tlb_touch(m, idx);
    return h;
}

/* As mmu_fast_lookup + the miss, written so that a fast hit saves no register. */
const uint8_t *mmu_fetch_ptr(struct mmu *m, uint32_t lin, bool user, uint32_t *avail, bool *faulted)
{
    *faulted = false;
    struct mmu_fast *f = mmu_fast_slot(m, PW_ACC_FETCH, user, lin);
    if (!MMU_LIKELY(mmu_fast_match(f, lin, 1))) {
        *avail = 0;
        return user ? fetch_user(m, lin, avail, faulted) : fetch_sv(m, lin, avail, faulted);
    }
    *avail = PAGE_SIZE - (lin & ~PAGE_MASK);
    /* mmu_fast_use, with the replacement bookkeeping by a tail call */
    m->fast_hits++;
    const uint8_t *h = (const uint8_t *)(uintptr_t)(lin + f->addend);
    if (!MMU_LIKELY(!m->touch_on_hit || f->tlb_index == m->tlb_mru))
        return fetch_touch(m, f->tlb_index, h);
    return h;
}
