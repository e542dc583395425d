/* Contracts between the files of mmu/ (not for use outside the module).
 *
 *   phys.c  the bus: region lookup, raw accesses, watch publication with the linear address
 *   walk.c  the two-level page walk (with or without side effects)
 *   tlb.c   the architectural TLB (lookup, fill, invalidate) and the fast-table links
 *   mmu.c   the access paths that tie them together
 *
 * The pieces of a TLB miss (plain-RAM check, walk, set lookup, victim choice, fill) are
 * always-inline here, so mmu.c's miss path is one function from the fast-table miss to the
 * data (tests/bench/PROFILE.md has the measurements); the .c files keep out-of-line copies
 * for the other callers. */
#ifndef PW_MMU_INTERNAL_H
#define PW_MMU_INTERNAL_H

#include <string.h>

#include "mmu/mmu.h"

/* For the pieces of the TLB-miss path: one function from the fast-table miss to the data. */
#if defined(__GNUC__)
#define MMU_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define MMU_ALWAYS_INLINE inline
#endif

/* ---- phys.c ---- */

/* The PC's memory hole: VGA windows, option ROMs and the BIOS (phys.h has the map). */
#define PHYS_HOLE_START 0xA0000u
#define PHYS_HOLE_END 0x100000u

/* Plain RAM at addr (after the A20 gate) that no device window covers, with all 'size' bytes
 * in one frame: the host address of its first byte; else NULL (decode the long way). Every
 * TLB miss reads its PDE and PTE and usually its data through here, so it is inline. */
static MMU_ALWAYS_INLINE uint8_t *phys_ram_direct(const struct phys *p, uint32_t addr,
                                                  unsigned size)
{
    addr = phys_mask_a20(p, addr);
    if (p->win_over_ram || addr >= p->ram_size ||
        (addr >= PHYS_HOLE_START && addr < PHYS_HOLE_END) ||
        (addr & ~PAGE_MASK) > PAGE_SIZE - size)
        return NULL;
    return p->ram + addr;
}

/* A physical access on behalf of the MMU: like phys_read/phys_write, but a watched frame
 * reports 'lin' (the linear address the CPU used) in its PW_EV_MEM_WATCH event. */
uint32_t phys_read_lin(struct phys *p, uint32_t addr, unsigned size, uint32_t lin);
void phys_write_lin(struct phys *p, uint32_t addr, unsigned size, uint32_t val, uint32_t lin);
/* Page-table accesses by the walker: RAM/ROM/windows as usual, never watch events (the walk
 * event reports them). addr is 4-byte aligned. */
uint32_t phys_read_pt(struct phys *p, uint32_t addr);
void phys_write_pt(struct phys *p, uint32_t addr, uint32_t val);

/* phys_read_pt/phys_write_pt with the plain-RAM case inline (page tables live in RAM). */
static MMU_ALWAYS_INLINE uint32_t phys_pt_load(struct phys *p, uint32_t addr)
{
    const uint8_t *h = phys_ram_direct(p, addr, 4);
    uint32_t v;
    if (MMU_LIKELY(h != NULL)) {
        memcpy(&v, h, 4);
        return v;
    }
    return phys_read_pt(p, addr);
}

static MMU_ALWAYS_INLINE void phys_pt_store(struct phys *p, uint32_t addr, uint32_t val)
{
    uint8_t *h = phys_ram_direct(p, addr, 4);
    if (MMU_LIKELY(h != NULL))
        memcpy(h, &val, 4);
    else
        phys_write_pt(p, addr, val);
}

/* A guest access of size 1, 2 or 4 to host memory (little-endian, unaligned allowed). */
static MMU_ALWAYS_INLINE uint32_t mmu_load_host(const uint8_t *h, unsigned size)
{
    uint32_t v32;
    uint16_t v16;
    if (size == 4) {
        memcpy(&v32, h, 4);
        return v32;
    }
    if (size == 2) {
        memcpy(&v16, h, 2);
        return v16;
    }
    return h[0];
}

static MMU_ALWAYS_INLINE void mmu_store_host(uint8_t *h, unsigned size, uint32_t v)
{
    uint16_t v16 = (uint16_t)v;
    if (size == 4)
        memcpy(h, &v, 4);
    else if (size == 2)
        memcpy(h, &v16, 2);
    else
        h[0] = (uint8_t)v;
}

/* ---- walk.c ---- */

struct mmu_walk {
    uint32_t pde_addr, pde;   /* as read, before A/D were set */
    uint32_t pte_addr, pte;   /* pte_addr 0 when the PDE was not present */
    uint32_t phys;            /* page-aligned frame (valid when present) */
    uint32_t rights;          /* PTE_RW | PTE_US combined over both levels */
    uint32_t pde_set, pte_set;
    uint32_t err;             /* #PF error code when !ok */
    bool ok;
};

/* Are 'rights' (combined PTE_RW/PTE_US) enough for this access? Intel 386 manual 6.4.1 and
 * table 6-5 (combined protection); CR0.WP on the 486 (i486 manual 4.5). */
static inline bool mmu_rights_allow(const struct mmu *m, uint32_t rights, enum pw_access acc,
                                    bool user)
{
    if (user) {
        if (!(rights & PTE_US))
            return false;
        return acc != PW_ACC_WRITE || (rights & PTE_RW);
    }
    return acc != PW_ACC_WRITE || !m->wp || (rights & PTE_RW);
}

/* Walks the current tables for lin. With side_effects, sets A/D bits as the hardware would
 * and publishes PW_EV_WALK; without, reads only. Returns w->ok. */
bool mmu_walk(struct mmu *m, uint32_t lin, enum pw_access acc, bool user, bool side_effects,
              struct mmu_walk *w);
/* Publishes the PW_EV_WALK of a walk. */
void mmu_walk_publish(struct mmu *m, uint32_t lin, enum pw_access acc, bool user,
                      const struct mmu_walk *w);

/* mmu_walk's body, inline for the TLB-miss path (the rules are in walk.c's header comment).
 * Every field of *w is set; page-table entries are read and written through the plain-RAM
 * fast case of phys_read_pt/phys_write_pt. */
static MMU_ALWAYS_INLINE bool mmu_walk_inline(struct mmu *m, uint32_t lin, enum pw_access acc,
                                              bool user, bool side_effects, struct mmu_walk *w)
{
    uint32_t errw = (acc == PW_ACC_WRITE ? PF_ERR_W : 0) | (user ? PF_ERR_U : 0);
    uint32_t pde_addr = (m->cr3 & PAGE_MASK) | ((lin >> 22) << 2);
    uint32_t pde = phys_pt_load(m->phys, pde_addr);
    uint32_t pte_addr = 0, pte = 0, phys = 0, rights = 0, pde_set = 0, pte_set = 0, err = 0;
    bool ok = false;
    if (!(pde & PTE_P)) {
        err = errw; /* not present */
        goto done;
    }
    if (side_effects && !(pde & PTE_A)) {
        pde_set = PTE_A;
        phys_pt_store(m->phys, pde_addr, pde | PTE_A);
    }
    pte_addr = (pde & PAGE_MASK) | (((lin >> PAGE_SHIFT) & 0x3FF) << 2);
    pte = phys_pt_load(m->phys, pte_addr);
    if (!(pte & PTE_P)) {
        err = errw;
        goto done;
    }
    rights = pde & pte & (PTE_RW | PTE_US);
    phys = pte & PAGE_MASK;
    if (!mmu_rights_allow(m, rights, acc, user)) {
        err = errw | PF_ERR_P; /* protection */
        goto done;
    }
    ok = true;
    if (side_effects) {
        uint32_t want = PTE_A | (acc == PW_ACC_WRITE ? PTE_D : 0);
        pte_set = want & ~pte;
        if (pte_set)
            phys_pt_store(m->phys, pte_addr, pte | pte_set);
    }
done:
    /* A fresh record for the event, so *w (usually the caller's local) never escapes and the
     * fields the caller does not read cost nothing. */
#define MMU_WALK_RECORD(r)                                                                    \
    do {                                                                                      \
        (r)->pde_addr = pde_addr;                                                             \
        (r)->pde = pde;                                                                       \
        (r)->pte_addr = pte_addr;                                                             \
        (r)->pte = pte;                                                                       \
        (r)->phys = phys;                                                                     \
        (r)->rights = rights;                                                                 \
        (r)->pde_set = pde_set;                                                               \
        (r)->pte_set = pte_set;                                                               \
        (r)->err = err;                                                                       \
        (r)->ok = ok;                                                                         \
    } while (0)
    MMU_WALK_RECORD(w);
    if (side_effects) {
        m->stats.walks++;
        if (PW_WANTS(m->events, PW_EV_WALK)) {
            struct mmu_walk ev;
            MMU_WALK_RECORD(&ev);
            mmu_walk_publish(m, lin, acc, user, &ev);
        }
    }
#undef MMU_WALK_RECORD
    return ok;
}

/* ---- tlb.c ---- */

/* Validates a TLB geometry (tlb_parse.c). Returns 0, or -1 with a one-line message. */
int mmu_tlb_config_check(const struct mmu_tlb_config *c, char *err, size_t errlen);
int mmu_tlb_alloc(struct mmu *m, const struct mmu_tlb_config *cfg);
void mmu_tlb_release(struct mmu *m);
/* Index of the valid entry for lin's page, or -1. Touches nothing. */
int32_t mmu_tlb_find(const struct mmu *m, uint32_t lin);

/* mmu_tlb_find with the set-associative case inline: one set, its ways compared in turn
 * (every access that misses the fast table starts here). */
static MMU_ALWAYS_INLINE int32_t mmu_tlb_lookup(const struct mmu *m, uint32_t lin)
{
    if (MMU_LIKELY(m->cfg.mode == TLB_SETASSOC)) {
        uint32_t page = lin & PAGE_MASK;
        unsigned ways = m->cfg.ways;
        unsigned base = ((page >> PAGE_SHIFT) & (m->cfg.sets - 1)) * ways;
        const struct mmu_tlb_entry *e = &m->tlb[base];
        if (ways == 4) { /* the 386 and 486 geometry, unrolled */
            int32_t hit = e[0].lin == page && e[0].valid   ? 0
                          : e[1].lin == page && e[1].valid ? 1
                          : e[2].lin == page && e[2].valid ? 2
                          : e[3].lin == page && e[3].valid ? 3
                                                           : -1;
            return hit < 0 ? -1 : (int32_t)base + hit;
        }
        for (unsigned w = 0; w < ways; w++)
            if (e[w].lin == page && e[w].valid)
                return (int32_t)(base + w);
        return -1;
    }
    return m->cfg.mode == TLB_OFF ? -1 : mmu_tlb_find(m, lin);
}
/* What the lin of an invalid set-associative entry holds (tlb.c): never a page, so that a
 * set's four tags compared with a page are the whole hit test of mmu/miss.c. (TLB_IDEAL
 * entries keep their page when invalidated: the hash finds them by it.) */
#define MMU_TLB_NO_PAGE 1u

/* Sets tlb[idx].lin and its copy in tlb_lin (mmu.h): every write of an entry's lin. */
static MMU_ALWAYS_INLINE void mmu_tlb_set_lin(struct mmu *m, uint32_t idx, uint32_t lin)
{
    m->tlb[idx].lin = lin;
    if (idx < 64)
        m->tlb_lin[idx] = lin;
}

/* Enters a translation (after a miss; pte as cached, its frame included), evicting by
 * policy when needed. Returns its index. */
int32_t mmu_tlb_fill(struct mmu *m, uint32_t lin, uint32_t pte);
/* Publishes PW_EV_TLB_FILL or PW_EV_TLB_EVICT for entry e at (set, way). */
void mmu_tlb_publish(struct mmu *m, enum pw_event_kind kind, const struct mmu_tlb_entry *e, int set,
                     int way);
/* The way the tree pseudo-LRU bits of a set point at. */
unsigned mmu_tlb_plru_victim(const struct mmu *m, unsigned set);
void mmu_tlb_plru_use(struct mmu *m, unsigned set, unsigned way);

/* m->tlb_valid mirrors the valid flags of a set-associative TLB of up to 64 entries. */
static inline bool mmu_tlb_masked(const struct mmu *m)
{
    return m->cfg.mode == TLB_SETASSOC && m->tlb_n <= 64;
}

/* Empties fast slot g if it mirrors entry idx for page lin. */
static MMU_ALWAYS_INLINE void mmu_fast_drop1(struct mmu_fast *g, uint32_t lin, int32_t idx)
{
    if (g->tag == lin && g->tlb_index == idx)
        g->tag = MMU_FAST_EMPTY;
}

/* Drops the data slots (read and write, both privilege levels) that mirror entry idx for
 * page lin. The slots of one page (access kind x user) sit at the same index of their
 * tables: constant offsets from the first, data kinds first. */
static MMU_ALWAYS_INLINE void mmu_fast_drop_data(struct mmu *m, uint32_t lin, int32_t idx)
{
    struct mmu_fast *f = mmu_fast_slot(m, 0, 0, lin);
    mmu_fast_drop1(f, lin, idx);
    mmu_fast_drop1(f + MMU_FAST_SIZE, lin, idx);
    mmu_fast_drop1(f + 2 * MMU_FAST_SIZE, lin, idx);
    mmu_fast_drop1(f + 3 * MMU_FAST_SIZE, lin, idx);
}

/* Drops all six fast slots (data and fetch) that mirror entry idx for page lin. */
static MMU_ALWAYS_INLINE void mmu_fast_drop(struct mmu *m, uint32_t lin, int32_t idx)
{
    mmu_fast_drop_data(m, lin, idx);
    struct mmu_fast *f = mmu_fast_slot(m, PW_ACC_FETCH, 0, lin);
    mmu_fast_drop1(f, lin, idx);
    mmu_fast_drop1(f + MMU_FAST_SIZE, lin, idx);
}

/* An entry leaves the TLB to make room (replacement, not invalidation): drop its fast slots
 * and tell a fetch window about it when one can depend on it. A fetch window is always
 * opened from a fetch slot, and tlb_mirror records every kind of slot that has mirrored the
 * entry since it was filled, so evicting an entry that no fetch slot mirrored needs neither
 * the two fetch-slot probes nor an epoch bump (mmu.h, 'epoch'). When only the supervisor's
 * data slots can have mirrored it (the usual case), those two slots at its page's index are
 * emptied whatever they hold: a slot of another page that shares the index goes too, which
 * the fast table may always do (its next access refills it from the TLB), and the eviction
 * then reads no slot (mmu/miss.c does the same). Statistics and the event are the
 * caller's. */
/* Empties the supervisor's read and write slots at the index of g, the first (read) one,
 * whatever they hold: an eviction whose mirror byte names no other kind. */
static MMU_ALWAYS_INLINE void mmu_fast_empty_sv_data(struct mmu_fast *g)
{
    g->tag = MMU_FAST_EMPTY;
    g[2 * MMU_FAST_SIZE].tag = MMU_FAST_EMPTY; /* [PW_ACC_WRITE][supervisor] */
}

static MMU_ALWAYS_INLINE void mmu_tlb_evicted(struct mmu *m, const struct mmu_tlb_entry *e,
                                              int32_t idx, bool masked)
{
    if (masked && !(m->tlb_mirror[idx] & ~MMU_MIRROR_SV_DATA)) {
        mmu_fast_empty_sv_data(mmu_fast_slot(m, PW_ACC_READ, false, e->lin));
        return;
    }
    if (!masked || (m->tlb_mirror[idx] & MMU_MIRROR_FETCH)) {
        mmu_fast_drop(m, e->lin, idx);
        m->epoch++;
        return;
    }
    mmu_fast_drop_data(m, e->lin, idx);
}

/* Do the entries of a set-associative TLB need their replacement stamps? Only LRU and FIFO
 * choose by them: under RANDOM and PLRU a fill leaves the stamp and the clock alone. */
static MMU_ALWAYS_INLINE bool mmu_tlb_stamps(const struct mmu *m)
{
    return m->cfg.policy == TLB_LRU || m->cfg.policy == TLB_FIFO;
}

/* The tree pseudo-LRU of a 4-way set (mmu_tlb_plru_victim/use with ways = 4, written out):
 * bit 0 picks the half (0: ways 0-1), bit 1 the way in the left half, bit 2 in the right. */
static MMU_ALWAYS_INLINE unsigned mmu_plru4_victim(uint8_t b)
{
    unsigned half = b & 1u;
    return half * 2 + ((b >> (1 + half)) & 1u);
}

static MMU_ALWAYS_INLINE uint8_t mmu_plru4_use(uint8_t b, unsigned way)
{
    unsigned half = way >> 1, bit = 2u << half; /* a use points both levels away from way */
    b = (uint8_t)((b & ~1u) | (half ^ 1u));
    return (uint8_t)((b & ~bit) | ((way & 1u) ? 0 : bit));
}

/* RANDOM's generator: deterministic for a given seed. A draw returns the generator's next
 * value, which the draw before computed (m->rng). It is the 32-bit linear congruential
 * generator of Numerical Recipes (x * 1664525 + 1013904223 mod 2^32), whose high bits are
 * the random ones: a victim is the draw's top bits (mmu_rng_way), never its low ones. One
 * multiply and one add, where a miss must wait for it. */
static MMU_ALWAYS_INLINE uint32_t mmu_rng_step(uint32_t x)
{
    return x * 1664525u + 1013904223u;
}

/* The way a draw x picks among ways: floor(x * ways / 2^32), its top two bits for 4. */
static MMU_ALWAYS_INLINE unsigned mmu_rng_way(uint32_t x, unsigned ways)
{
    return (unsigned)(((uint64_t)x * ways) >> 32);
}

static MMU_ALWAYS_INLINE uint32_t mmu_rng_draw(struct mmu *m)
{
    uint32_t x = m->rng;
    m->rng = mmu_rng_step(x);
    return x;
}

/* The way a fill of 'set' replaces: a free way first (lowest first), else by policy. */
static MMU_ALWAYS_INLINE unsigned mmu_tlb_pick_victim(struct mmu *m, unsigned set, bool masked)
{
    unsigned ways = m->cfg.ways, base = set * ways;
    if (masked) {
        uint64_t set_bits = ways >= 64 ? ~0ull : (1ull << ways) - 1;
        uint64_t free_ways = ~(m->tlb_valid >> base) & set_bits;
        if (free_ways)
            return (unsigned)__builtin_ctzll(free_ways);
    } else {
        for (unsigned w = 0; w < ways; w++)
            if (!m->tlb[base + w].valid)
                return w;
    }
    switch (m->cfg.policy) {
    case TLB_RANDOM:
        return mmu_rng_way(mmu_rng_draw(m), ways);
    case TLB_PLRU:
        return mmu_tlb_plru_victim(m, set);
    default: { /* LRU and FIFO: the smallest stamp (last use, or fill time) */
        const struct mmu_tlb_entry *e = &m->tlb[base];
        unsigned v = 0;
        for (unsigned w = 1; w < ways; w++)
            if (e[w].stamp < e[v].stamp)
                v = w;
        return v;
    }
    }
}

/* mmu_tlb_fill for the set-associative TLB (and TLB_OFF, which keeps nothing), inline for
 * the miss path: pick the victim, evict it (statistics, event, its fast slots), enter the
 * translation as the set's most recent. TLB_IDEAL goes to mmu_tlb_fill. */
static MMU_ALWAYS_INLINE int32_t mmu_tlb_fill_inline(struct mmu *m, uint32_t lin, uint32_t pte)
{
    if (!MMU_LIKELY(m->cfg.mode == TLB_SETASSOC))
        return m->cfg.mode == TLB_OFF ? -1 : mmu_tlb_fill(m, lin, pte);
    lin &= PAGE_MASK;
    bool masked = mmu_tlb_masked(m);
    unsigned set = (lin >> PAGE_SHIFT) & (m->cfg.sets - 1);
    unsigned way = mmu_tlb_pick_victim(m, set, masked);
    int32_t idx = (int32_t)(set * m->cfg.ways + way);
    struct mmu_tlb_entry *e = &m->tlb[idx];
    if (e->valid) {
        m->stats.evictions++;
        if (PW_WANTS(m->events, PW_EV_TLB_EVICT))
            mmu_tlb_publish(m, PW_EV_TLB_EVICT, e, (int)set, (int)way);
        mmu_tlb_evicted(m, e, idx, masked);
    }
    if (masked) {
        m->tlb_valid |= 1ull << idx;
        m->tlb_mirror[idx] = 0;
    }
    mmu_tlb_set_lin(m, (uint32_t)idx, lin);
    e->pte = pte;
    e->valid = true;
    if (mmu_tlb_stamps(m))
        e->stamp = ++m->tick;
    if (m->plru)
        mmu_tlb_plru_use(m, set, way);
    m->tlb_mru = idx;
    m->stats.fills++;
    if (PW_WANTS(m->events, PW_EV_TLB_FILL))
        mmu_tlb_publish(m, PW_EV_TLB_FILL, e, (int)set, (int)way);
    return idx;
}

/* Drops one entry (no statistics, no event) and its fast-table slots. */
void mmu_tlb_drop(struct mmu *m, int32_t idx);
/* The common-case miss (miss.c): recompute its q_* fields of struct mmu for the current
 * CR3, bus, paging, geometry, --tlb-check and subscriptions; or after a CR3 write only. */
void mmu_quick_refresh(struct mmu *m);
void mmu_quick_new_cr3(struct mmu *m);
/* The general access paths (mmu.c), for everything the common case does not take. The read
 * returns the value, or MMU_MISS_FAULT. */
uint64_t mmu_read_general(struct mmu *m, uint32_t lin, unsigned size, bool user,
                          enum pw_access acc);
bool mmu_write_general(struct mmu *m, uint32_t lin, unsigned size, bool user, uint32_t val);
const uint8_t *mmu_fetch_general(struct mmu *m, uint32_t lin, bool user, uint32_t *avail,
                                 bool *faulted);
/* Drops every entry and its fast slots; returns how many were valid. */
uint32_t mmu_tlb_drop_all(struct mmu *m);

/* Replacement bookkeeping for a use of entry idx (inline: every slow-path hit makes one). */
static MMU_ALWAYS_INLINE void mmu_tlb_use(struct mmu *m, int32_t idx)
{
    m->tlb_mru = idx;
    if (m->cfg.mode != TLB_SETASSOC)
        return;
    if (m->cfg.policy == TLB_LRU)
        m->tlb[idx].stamp = ++m->tick;
    else if (m->cfg.policy == TLB_PLRU)
        mmu_tlb_plru_use(m, (unsigned)idx / m->cfg.ways, (unsigned)idx % m->cfg.ways);
}
/* Drops the fast-table slots that mirror entry idx (the entry itself stays). */
void mmu_fast_drop_entry(struct mmu *m, int32_t idx);
void mmu_fast_clear(struct mmu *m);

#endif
