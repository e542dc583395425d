/* The architectural TLB: what translations the modelled CPU holds, and which one it gives
 * up when it needs room.
 *
 *   TLB_SETASSOC  sets x ways, set = linear page number mod sets (the 386 and 486 both have
 *                 8 sets x 4 ways: 386 manual 5.3, i486 manual 4.6.1), one victim per fill:
 *                   LRU     the way used longest ago (exact, by a use clock)
 *                   FIFO    the way filled longest ago
 *                   RANDOM  an LCG from a fixed seed (its top bits), so every run is the same
 *                   PLRU    the tree pseudo-LRU of the 486 (i486 manual 4.6.1: 3 bits a set
 *                           for 4 ways; a bit points at the half to replace next)
 *   TLB_IDEAL     unbounded, nothing is ever evicted (only invalidations remove entries)
 *   TLB_OFF       no entries: every access walks
 *
 * Every entry may be mirrored by up to six fast-table slots (access kind x user), found
 * through the entry's linear page; dropping an entry always drops them (an eviction only
 * those m->tlb_mirror says may exist). A full flush of a TLB of at most 64 entries clears
 * the six slots at each valid entry's index without probing them; a bigger TLB clears the
 * slots logged since the last flush (m->fast_log) while the log has not overflowed: a CR3
 * write then costs a few stores, not six probes per valid entry.
 *
 * The hot half (lookup, victim choice, fill of a set-associative TLB) is inline in
 * internal.h, so the TLB-miss path in mmu.c is one function from the miss to the data. */
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
    m->rng = mmu_rng_step(cfg->seed ? cfg->seed : RANDOM_DEFAULT_SEED);
    m->touch_on_hit = false;
    m->tlb_valid = 0;
    switch (cfg->mode) {
    case TLB_SETASSOC:
        m->tlb_n = cfg->sets * cfg->ways;
        m->tlb = calloc(m->tlb_n, sizeof *m->tlb);
        if (!m->tlb)
            return -1;
        for (unsigned i = 0; i < m->tlb_n; i++)
            mmu_tlb_set_lin(m, i, MMU_TLB_NO_PAGE);
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
    m->fast_log_n = 0;
    m->epoch++;
}

void mmu_fast_drop_entry(struct mmu *m, int32_t idx)
{
    mmu_fast_drop(m, m->tlb[idx].lin, idx);
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
void mmu_tlb_plru_use(struct mmu *m, unsigned set, unsigned way)
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

unsigned mmu_tlb_plru_victim(const struct mmu *m, unsigned set)
{
    unsigned levels = log2u(m->cfg.ways), node = 1, way = 0;
    for (unsigned l = 0; l < levels; l++) {
        unsigned dir = (m->plru[set] >> (node - 1)) & 1;
        way = 2 * way + dir;
        node = 2 * node + dir;
    }
    return way;
}

void mmu_tlb_touch(struct mmu *m, int32_t idx)
{
    if (idx >= 0)
        mmu_tlb_use(m, idx);
}

void mmu_tlb_publish(struct mmu *m, enum pw_event_kind kind, const struct mmu_tlb_entry *e,
                     int set, int way)
{
    struct pw_event ev = { .kind = kind };
    ev.tlb.lin = e->lin;
    ev.tlb.phys = mmu_tlb_entry_phys(e);
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

/* The set-associative case is mmu_tlb_fill_inline (internal.h); TLB_IDEAL is here. */
int32_t mmu_tlb_fill(struct mmu *m, uint32_t lin, uint32_t pte)
{
    if (m->cfg.mode != TLB_IDEAL)
        return mmu_tlb_fill_inline(m, lin, pte);
    lin &= PAGE_MASK;
    struct ideal_index *ix = m->ideal_index;
    int32_t idx;
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
    struct mmu_tlb_entry *e = &m->tlb[idx];
    mmu_tlb_set_lin(m, (uint32_t)idx, lin);
    e->pte = pte;
    e->valid = true;
    e->stamp = ++m->tick;
    m->tlb_mru = idx;
    m->stats.fills++;
    if (PW_WANTS(m->events, PW_EV_TLB_FILL))
        mmu_tlb_publish(m, PW_EV_TLB_FILL, e, 0, idx);
    return idx;
}

/* ---- invalidation ---- */

void mmu_tlb_drop(struct mmu *m, int32_t idx)
{
    mmu_fast_drop_entry(m, idx);
    m->tlb[idx].valid = false;
    if (m->cfg.mode == TLB_SETASSOC)
        mmu_tlb_set_lin(m, (uint32_t)idx, MMU_TLB_NO_PAGE);
    if (mmu_tlb_masked(m))
        m->tlb_valid &= ~(1ull << idx);
    if (m->tlb_mru == idx)
        m->tlb_mru = m->paging ? -2 : -1;
}

uint32_t mmu_tlb_drop_all(struct mmu *m)
{
    uint32_t n = 0, used = m->cfg.mode == TLB_OFF ? 0 : m->tlb_n;
    /* The fast slots go first. With paging on every slot in use mirrors some valid TLB entry
     * (paging-off slots are cleared when CR0.PG changes), so after a full flush none may
     * stay. Every such slot sits at the index of its entry's page, so a TLB of at most 64
     * entries clears the six slots at each valid entry's index, whatever they hold (a CR3
     * write in a loop finds a handful of entries). A bigger TLB clears the slots logged since
     * the table was last empty when the log holds all of them; otherwise slot by slot for
     * each valid entry, or the whole table. With paging off no entry is valid and nothing is
     * logged: slots entered then mirror no entry and stay, as they must. */
    bool logged = true;
    if (mmu_tlb_masked(m)) {
        for (uint64_t v = m->tlb_valid; v; v &= v - 1) {
            int32_t i = __builtin_ctzll(v);
            struct mmu_fast *f = mmu_fast_slot(m, 0, 0, m->tlb[i].lin);
            for (int k = 0; k < 6; k++)
                f[k * MMU_FAST_SIZE].tag = MMU_FAST_EMPTY;
            m->tlb[i].valid = false;
            mmu_tlb_set_lin(m, (uint32_t)i, MMU_TLB_NO_PAGE);
            n++;
        }
        m->tlb_valid = 0;
        used = 0;
    } else {
        logged = m->fast_log_n <= MMU_FAST_LOG;
        if (logged)
            for (uint32_t k = 0; k < m->fast_log_n; k++)
                m->fast_log[k]->tag = MMU_FAST_EMPTY;
    }
    bool bulk = !logged && used > MMU_FAST_SIZE / 2;
    for (uint32_t i = 0; i < used; i++) {
        if (!m->tlb[i].valid)
            continue;
        n++;
        if (!logged && !bulk)
            mmu_fast_drop(m, m->tlb[i].lin, (int32_t)i);
        m->tlb[i].valid = false;
        if (m->cfg.mode == TLB_SETASSOC)
            mmu_tlb_set_lin(m, i, MMU_TLB_NO_PAGE);
    }
    if (bulk)
        mmu_fast_clear(m);
    m->fast_log_n = 0;
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
