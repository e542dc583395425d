/* The architectural TLB: what translations the modelled CPU holds, and which one it gives
 * up when it needs room.
 *
 *   TLB_SETASSOC  sets x ways, set = linear page number mod sets (the 386 and 486 both have
 *                 8 sets x 4 ways: 386 manual 5.3, i486 manual 4.6.1), one victim per fill:
 *                   LRU     the way used longest ago (exact, by a use clock)
 *                   FIFO    the way filled longest ago
 *                   RANDOM  xorshift32 from a fixed seed, so every run is the same
 *                   PLRU    the tree pseudo-LRU of the 486 (i486 manual 4.6.1: 3 bits a set
 *                           for 4 ways; a bit points at the half to replace next)
 *   TLB_IDEAL     unbounded, nothing is ever evicted (only invalidations remove entries)
 *   TLB_OFF       no entries: every access walks
 *
 * Every entry may be mirrored by up to six fast-table slots (access kind x user), found
 * through the entry's linear page; dropping an entry always drops them. */
#include "mmu/internal.h"

#include <stdlib.h>
#include <string.h>

/* TLB_IDEAL: open-addressing hash from linear page to entry index. Entries are never moved,
 * so fast-table slots can name them by index; an invalidated entry stays in the hash and is
 * reused if its page comes back, and a full flush empties everything. */
struct ideal_index {
    int32_t *slot;     /* cap entries, -1 = empty */
    uint32_t cap;      /* power of two */
    uint32_t *pos;     /* per entry: its slot in the hash */
    uint32_t ecap;     /* capacity of m->tlb and pos */
};

#define RANDOM_DEFAULT_SEED 0x2545F491u

static uint32_t ideal_hash(uint32_t lin)
{
    return (lin >> PAGE_SHIFT) * 0x9E3779B1u;
}

int mmu_tlb_alloc(struct mmu *m, const struct mmu_tlb_config *cfg)
{
    m->cfg = *cfg;
    m->tlb = NULL;
    m->tlb_n = 0;
    m->plru = NULL;
    m->ideal_index = NULL;
    m->tick = 0;
    m->rng = cfg->seed ? cfg->seed : RANDOM_DEFAULT_SEED;
    m->touch_on_hit = false;
    switch (cfg->mode) {
    case TLB_SETASSOC:
        m->tlb_n = cfg->sets * cfg->ways;
        m->tlb = calloc(m->tlb_n, sizeof *m->tlb);
        if (!m->tlb)
            return -1;
        if (cfg->policy == TLB_PLRU) {
            m->plru = calloc(cfg->sets, 1);
            if (!m->plru)
                return -1;
        }
        m->touch_on_hit = cfg->policy == TLB_LRU || cfg->policy == TLB_PLRU;
        return 0;
    case TLB_IDEAL: {
        struct ideal_index *ix = calloc(1, sizeof *ix);
        if (!ix)
            return -1;
        m->ideal_index = ix;
        ix->cap = 256;
        ix->ecap = 64;
        ix->slot = malloc(ix->cap * sizeof *ix->slot);
        ix->pos = malloc(ix->ecap * sizeof *ix->pos);
        m->tlb = calloc(ix->ecap, sizeof *m->tlb);
        if (!ix->slot || !ix->pos || !m->tlb)
            return -1;
        memset(ix->slot, 0xFF, ix->cap * sizeof *ix->slot);
        return 0;
    }
    case TLB_OFF:
        return 0;
    }
    return -1;
}

void mmu_tlb_release(struct mmu *m)
{
    struct ideal_index *ix = m->ideal_index;
    if (ix) {
        free(ix->slot);
        free(ix->pos);
        free(ix);
    }
    free(m->tlb);
    free(m->plru);
    m->tlb = NULL;
    m->plru = NULL;
    m->ideal_index = NULL;
    m->tlb_n = 0;
}

/* ---- fast-table links ---- */

void mmu_fast_clear(struct mmu *m)
{
    for (int a = 0; a < 3; a++)
        for (int u = 0; u < 2; u++)
            for (unsigned i = 0; i < MMU_FAST_SIZE; i++) {
                m->fast[a][u][i].tag = MMU_FAST_EMPTY;
                m->fast[a][u][i].tlb_index = -1;
            }
    m->epoch++;
}

void mmu_fast_drop_entry(struct mmu *m, int32_t idx)
{
    uint32_t lin = m->tlb[idx].lin;
    for (int a = 0; a < 3; a++)
        for (int u = 0; u < 2; u++) {
            struct mmu_fast *f = mmu_fast_slot(m, a, u, lin);
            if (f->tag == lin && f->tlb_index == idx)
                f->tag = MMU_FAST_EMPTY;
        }
    m->epoch++;
}

/* ---- lookup ---- */

static uint32_t set_of(const struct mmu *m, uint32_t lin)
{
    return (lin >> PAGE_SHIFT) & (m->cfg.sets - 1);
}

/* Slot in the ideal hash where lin's page is or would go. */
static uint32_t ideal_probe(const struct mmu *m, uint32_t lin)
{
    const struct ideal_index *ix = m->ideal_index;
    uint32_t mask = ix->cap - 1, h = ideal_hash(lin) & mask;
    while (ix->slot[h] >= 0 && m->tlb[ix->slot[h]].lin != lin)
        h = (h + 1) & mask;
    return h;
}

int32_t mmu_tlb_find(const struct mmu *m, uint32_t lin)
{
    lin &= PAGE_MASK;
    switch (m->cfg.mode) {
    case TLB_SETASSOC: {
        unsigned base = set_of(m, lin) * m->cfg.ways;
        for (unsigned w = 0; w < m->cfg.ways; w++) {
            const struct mmu_tlb_entry *e = &m->tlb[base + w];
            if (e->valid && e->lin == lin)
                return (int32_t)(base + w);
        }
        return -1;
    }
    case TLB_IDEAL: {
        const struct ideal_index *ix = m->ideal_index;
        int32_t i = ix->slot[ideal_probe(m, lin)];
        return (i >= 0 && m->tlb[i].valid) ? i : -1;
    }
    default:
        return -1;
    }
}

const struct mmu_tlb_entry *mmu_tlb_peek(const struct mmu *m, uint32_t lin)
{
    int32_t i = mmu_tlb_find(m, lin);
    return i >= 0 ? &m->tlb[i] : NULL;
}

/* ---- replacement ---- */

static unsigned log2u(unsigned v)
{
    unsigned n = 0;
    while ((1u << n) < v)
        n++;
    return n;
}

/* Tree pseudo-LRU: node k (1-based heap order) has bit k-1 of the set's byte; a bit of 0
 * sends the next victim left, 1 right. A use points every node on the way's path away
 * from it. */
static void plru_use(struct mmu *m, unsigned set, unsigned way)
{
    unsigned levels = log2u(m->cfg.ways), node = 1;
    uint8_t bits = m->plru[set];
    for (unsigned l = 0; l < levels; l++) {
        unsigned dir = (way >> (levels - 1 - l)) & 1;
        if (dir)
            bits &= (uint8_t)~(1u << (node - 1));
        else
            bits |= (uint8_t)(1u << (node - 1));
        node = 2 * node + dir;
    }
    m->plru[set] = bits;
}

static unsigned plru_victim(const struct mmu *m, unsigned set)
{
    unsigned levels = log2u(m->cfg.ways), node = 1, way = 0;
    for (unsigned l = 0; l < levels; l++) {
        unsigned dir = (m->plru[set] >> (node - 1)) & 1;
        way = 2 * way + dir;
        node = 2 * node + dir;
    }
    return way;
}

void mmu_tlb_use(struct mmu *m, int32_t idx)
{
    m->tlb_mru = idx;
    if (m->cfg.mode != TLB_SETASSOC)
        return;
    if (m->cfg.policy == TLB_LRU)
        m->tlb[idx].stamp = ++m->tick;
    else if (m->cfg.policy == TLB_PLRU)
        plru_use(m, (unsigned)idx / m->cfg.ways, (unsigned)idx % m->cfg.ways);
}

void mmu_tlb_touch(struct mmu *m, int32_t idx)
{
    if (idx >= 0)
        mmu_tlb_use(m, idx);
}

static unsigned pick_victim(struct mmu *m, unsigned set)
{
    unsigned base = set * m->cfg.ways, ways = m->cfg.ways;
    for (unsigned w = 0; w < ways; w++)
        if (!m->tlb[base + w].valid)
            return w; /* a free way is always taken first, lowest first */
    switch (m->cfg.policy) {
    case TLB_RANDOM: {
        /* xorshift32 (Marsaglia 2003): deterministic for a given seed. */
        uint32_t x = m->rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        m->rng = x;
        return x % ways;
    }
    case TLB_PLRU:
        return plru_victim(m, set);
    default: { /* LRU and FIFO: the smallest stamp (last use, or fill time) */
        unsigned v = 0;
        for (unsigned w = 1; w < ways; w++)
            if (m->tlb[base + w].stamp < m->tlb[base + v].stamp)
                v = w;
        return v;
    }
    }
}

static void publish_tlb(struct mmu *m, enum pw_event_kind kind, const struct mmu_tlb_entry *e,
                        int set, int way)
{
    struct pw_event ev = { .kind = kind };
    ev.tlb.lin = e->lin;
    ev.tlb.phys = e->phys;
    ev.tlb.pte = e->pte;
    ev.tlb.set = set;
    ev.tlb.way = way;
    pw_events_publish(m->events, &ev);
}

static int ideal_grow(struct mmu *m)
{
    struct ideal_index *ix = m->ideal_index;
    if (m->tlb_n == ix->ecap) {
        uint32_t ncap = ix->ecap * 2;
        struct mmu_tlb_entry *t = realloc(m->tlb, ncap * sizeof *t);
        if (!t)
            return -1;
        m->tlb = t;
        uint32_t *pos = realloc(ix->pos, ncap * sizeof *pos);
        if (!pos)
            return -1;
        ix->pos = pos;
        ix->ecap = ncap;
    }
    if ((m->tlb_n + 1) * 2 > ix->cap) { /* keep the hash at most half full */
        uint32_t ncap = ix->cap * 2;
        int32_t *slot = malloc(ncap * sizeof *slot);
        if (!slot)
            return -1;
        memset(slot, 0xFF, ncap * sizeof *slot);
        free(ix->slot);
        ix->slot = slot;
        ix->cap = ncap;
        for (uint32_t i = 0; i < m->tlb_n; i++) {
            uint32_t h = ideal_probe(m, m->tlb[i].lin);
            ix->slot[h] = (int32_t)i;
            ix->pos[i] = h;
        }
    }
    return 0;
}

int32_t mmu_tlb_fill(struct mmu *m, uint32_t lin, uint32_t phys, uint32_t pte)
{
    int32_t idx;
    int set = 0, way;
    lin &= PAGE_MASK;
    if (m->cfg.mode == TLB_SETASSOC) {
        set = (int)set_of(m, lin);
        way = (int)pick_victim(m, (unsigned)set);
        idx = set * (int)m->cfg.ways + way;
        struct mmu_tlb_entry *old = &m->tlb[idx];
        if (old->valid) {
            m->stats.evictions++;
            if (PW_WANTS(m->events, PW_EV_TLB_EVICT))
                publish_tlb(m, PW_EV_TLB_EVICT, old, set, way);
            mmu_fast_drop_entry(m, idx);
        }
    } else if (m->cfg.mode == TLB_IDEAL) {
        struct ideal_index *ix = m->ideal_index;
        uint32_t h = ideal_probe(m, lin);
        if (ix->slot[h] >= 0) {
            idx = ix->slot[h]; /* the page had an entry before an INVLPG: reuse it */
        } else {
            if (ideal_grow(m) != 0)
                return -1; /* out of host memory: behave as TLB_OFF for this access */
            h = ideal_probe(m, lin);
            idx = (int32_t)m->tlb_n++;
            ix->slot[h] = idx;
            ix->pos[idx] = h;
        }
        way = idx;
    } else {
        return -1;
    }
    struct mmu_tlb_entry *e = &m->tlb[idx];
    e->lin = lin;
    e->phys = phys & PAGE_MASK;
    e->pte = pte;
    e->valid = true;
    e->stamp = ++m->tick;
    if (m->plru)
        plru_use(m, (unsigned)set, (unsigned)way);
    m->tlb_mru = idx;
    m->stats.fills++;
    if (PW_WANTS(m->events, PW_EV_TLB_FILL))
        publish_tlb(m, PW_EV_TLB_FILL, e, set, way);
    return idx;
}

/* ---- invalidation ---- */

void mmu_tlb_drop(struct mmu *m, int32_t idx)
{
    mmu_fast_drop_entry(m, idx);
    m->tlb[idx].valid = false;
    if (m->tlb_mru == idx)
        m->tlb_mru = m->paging ? -2 : -1;
}

uint32_t mmu_tlb_drop_all(struct mmu *m)
{
    uint32_t n = 0, used = m->cfg.mode == TLB_OFF ? 0 : m->tlb_n;
    /* Dropping the fast slots entry by entry is cheap for a small TLB; a large one (ideal,
     * or a big geometry) clears the fast table at once instead. */
    bool bulk = used > MMU_FAST_SIZE / 2;
    for (uint32_t i = 0; i < used; i++) {
        if (!m->tlb[i].valid)
            continue;
        n++;
        if (!bulk)
            mmu_fast_drop_entry(m, (int32_t)i);
        m->tlb[i].valid = false;
    }
    if (bulk)
        mmu_fast_clear(m);
    if (m->cfg.mode == TLB_IDEAL) {
        struct ideal_index *ix = m->ideal_index;
        if (m->tlb_n * 4 < ix->cap)
            for (uint32_t i = 0; i < m->tlb_n; i++)
                ix->slot[ix->pos[i]] = -1;
        else
            memset(ix->slot, 0xFF, ix->cap * sizeof *ix->slot);
        m->tlb_n = 0;
    }
    m->tlb_mru = m->paging ? -2 : -1;
    m->epoch++;
    return n;
}
