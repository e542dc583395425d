/* The MMU's access paths: translate through the architectural TLB (tlb.c) or a walk
 * (walk.c), check, then touch the physical bus (phys.c); keep the fast table in step.
 *
 * The rules that make the TLB model truthful (Intel 386 manual 5.3, SDM vol. 3A 4.10):
 *  - a hit uses the cached frame and rights, whatever the tables say now;
 *  - only present, permitted translations are cached (a not-present walk caches nothing);
 *  - a write through an entry cached without D goes back to the tables to set D, and the
 *    entry is then refreshed from that walk (SDM 4.8: D is set in the PTE in memory);
 *  - a page fault removes the faulting page's entry (SDM 4.10.4.1), so a fault caused by a
 *    stale, too-restrictive entry happens at most once per page;
 *  - CR3 writes, task switches with a new CR3 and CR0.PG/WP changes flush everything,
 *    INVLPG one page. */
#include "mmu/mmu.h"

#include <stdlib.h>
#include <string.h>

#include "mmu/internal.h"

static void count_flush(struct mmu *m, enum pw_flush_cause cause, uint32_t lin, uint32_t n);

/* The bus and the event bus tell the MMU when what the common-case miss relies on changed
 * (mmu.h: q_on). One MMU per bus: a second one takes the hooks from the first, which then
 * keeps to the general path. */
static void on_phys_changed(void *opaque)
{
    mmu_flush_fast(opaque);
    mmu_quick_refresh(opaque);
}

static void on_events_changed(void *opaque)
{
    mmu_quick_refresh(opaque);
}

static void hooks_take(struct mmu *m)
{
    struct mmu *prev[2] = { NULL, NULL };
    if (m->phys->changed == on_phys_changed && m->phys->changed_opaque != m)
        prev[0] = m->phys->changed_opaque;
    if (m->events && m->events->changed == on_events_changed && m->events->changed_opaque != m)
        prev[1] = m->events->changed_opaque;
    for (int i = 0; i < 2; i++) {
        if (prev[i]) {
            prev[i]->q_hooked = false;
            mmu_quick_refresh(prev[i]);
        }
    }
    m->phys->changed = on_phys_changed;
    m->phys->changed_opaque = m;
    if (m->events) {
        m->events->changed = on_events_changed;
        m->events->changed_opaque = m;
    }
    m->q_hooked = true;
}

int mmu_init(struct mmu *m, struct phys *phys, struct pw_events *events, int cpu_model,
             const struct mmu_tlb_config *cfg)
{
    memset(m, 0, sizeof *m);
    m->phys = phys;
    m->events = events;
    m->cpu_model = cpu_model;
    m->tlb_mru = -1;
    struct mmu_tlb_config def = mmu_tlb_default(cpu_model);
    if (!cfg)
        cfg = &def;
    if (mmu_tlb_config_check(cfg, NULL, 0) != 0 || mmu_tlb_alloc(m, cfg) != 0) {
        mmu_tlb_release(m);
        return -1;
    }
    mmu_fast_clear(m);
    hooks_take(m);
    mmu_quick_refresh(m);
    return 0;
}

void mmu_free(struct mmu *m)
{
    mmu_tlb_release(m);
    if (m->phys && m->phys->changed_opaque == m) {
        m->phys->changed = NULL;
        m->phys->changed_opaque = NULL;
    }
    if (m->events && m->events->changed_opaque == m) {
        m->events->changed = NULL;
        m->events->changed_opaque = NULL;
    }
    m->q_hooked = false;
}

int mmu_set_tlb_config(struct mmu *m, const struct mmu_tlb_config *cfg)
{
    if (mmu_tlb_config_check(cfg, NULL, 0) != 0)
        return -1;
    struct mmu_tlb_config old = m->cfg;
    count_flush(m, PW_FLUSH_API, 0, mmu_tlb_drop_all(m));
    mmu_tlb_release(m);
    mmu_fast_clear(m);
    m->tlb_mru = m->paging ? -2 : -1;
    if (mmu_tlb_alloc(m, cfg) != 0) {
        mmu_tlb_release(m);
        if (mmu_tlb_alloc(m, &old) != 0) { /* fall back to walking every access */
            mmu_tlb_release(m);
            m->cfg.mode = TLB_OFF;
        }
        mmu_quick_refresh(m);
        return -1;
    }
    mmu_quick_refresh(m);
    return 0;
}

/* ---- invalidation ---- */

static void count_flush(struct mmu *m, enum pw_flush_cause cause, uint32_t lin, uint32_t n)
{
    m->stats.flushes[cause]++;
    m->stats.flushed[cause] += n;
    if (PW_WANTS(m->events, PW_EV_TLB_FLUSH)) {
        struct pw_event ev = { .kind = PW_EV_TLB_FLUSH };
        ev.flush.cause = (uint8_t)cause;
        ev.flush.lin = lin;
        ev.flush.entries = n;
        pw_events_publish(m->events, &ev);
    }
}

void mmu_flush_all(struct mmu *m, enum pw_flush_cause cause)
{
    count_flush(m, cause, 0, mmu_tlb_drop_all(m));
}

void mmu_set_cr3(struct mmu *m, uint32_t cr3, enum pw_flush_cause cause)
{
    m->cr3 = cr3;
    mmu_flush_all(m, cause);
    mmu_quick_new_cr3(m); /* the next miss can take the common path at once */
}

void mmu_invlpg(struct mmu *m, uint32_t lin)
{
    int32_t idx = mmu_tlb_find(m, lin);
    if (idx >= 0)
        mmu_tlb_drop(m, idx);
    count_flush(m, PW_FLUSH_INVLPG, lin & PAGE_MASK, idx >= 0);
}

/* The slow paths' counts plus the hot paths' (struct mmu: fast_hits, q_count, q_free). A
 * common-case miss is one lookup, miss, walk and fill, and an eviction unless it found a
 * free way; a fast hit with paging on is one lookup and hit. */
struct mmu_tlb_stats mmu_stats(const struct mmu *m)
{
    struct mmu_tlb_stats s = m->stats;
    uint64_t off = m->fast_off_hits + (m->paging ? 0 : m->fast_hits - m->fast_off_at);
    uint64_t fast = m->fast_hits - off;
    s.lookups += fast + m->q_count;
    s.hits += fast;
    s.misses += m->q_count;
    s.walks += m->q_count;
    s.fills += m->q_count;
    s.evictions += m->q_count - m->q_free;
    return s;
}

void mmu_set_cr0(struct mmu *m, bool pg, bool wp)
{
    bool wp_eff = wp && m->cpu_model >= 486; /* CR0.WP does not exist on the 386 */
    if (pg == m->paging && wp_eff == m->wp)
        return;
    uint32_t n = mmu_tlb_drop_all(m);
    if (pg != m->paging) { /* the fast hits of paging-off slots are no lookups (mmu.h) */
        if (pg)
            m->fast_off_hits += m->fast_hits - m->fast_off_at;
        else
            m->fast_off_at = m->fast_hits;
    }
    m->paging = pg;
    m->wp = wp_eff;
    mmu_fast_clear(m); /* paging-off slots (linear = physical) go too */
    m->tlb_mru = pg ? -2 : -1;
    mmu_quick_refresh(m);
    count_flush(m, PW_FLUSH_CR0, 0, n);
}

void mmu_flush_fast(struct mmu *m)
{
    mmu_fast_clear(m);
}

void mmu_set_tlb_check(struct mmu *m, bool on)
{
    m->tlb_check = on;
    mmu_fast_clear(m);
    mmu_quick_refresh(m);
}

/* ---- translation ---- */

static bool raise_pf(struct mmu *m, uint32_t lin, uint32_t err)
{
    m->fault.lin = lin;
    m->fault.err = err;
    m->stats.page_faults++;
    if (PW_WANTS(m->events, PW_EV_PAGE_FAULT)) {
        struct pw_event ev = { .kind = PW_EV_PAGE_FAULT };
        ev.pf.lin = lin;
        ev.pf.err = err;
        pw_events_publish(m->events, &ev);
    }
    return false;
}

/* The PTE as a TLB entry holds it: frame, P, A, D as the tables had it (or set by this
 * access), the cache bits, and the rights combined over both levels. */
static uint32_t cached_pte(const struct mmu_walk *w, enum pw_access acc)
{
    uint32_t d = (w->pte & PTE_D) || acc == PW_ACC_WRITE ? PTE_D : 0;
    return w->phys | PTE_P | PTE_A | d | (w->pte & (PTE_PWT | PTE_PCD)) | w->rights;
}

/* --tlb-check: compare a hit with the current tables (without side effects). */
static void check_stale(struct mmu *m, const struct mmu_tlb_entry *e, uint32_t lin,
                        enum pw_access acc, bool user)
{
    struct mmu_walk w;
    mmu_walk(m, lin, acc, user, false, &w);
    bool present = (w.pde & PTE_P) && (w.pte & PTE_P);
    if (present && w.phys == mmu_tlb_entry_phys(e) && w.rights == (e->pte & (PTE_RW | PTE_US)))
        return;
    m->stats.stale_uses++;
    if (PW_WANTS(m->events, PW_EV_TLB_STALE)) {
        struct pw_event ev = { .kind = PW_EV_TLB_STALE };
        ev.stale.eip = m->get_eip ? m->get_eip(m->get_eip_opaque) : 0;
        ev.stale.lin = lin;
        ev.stale.cached_phys = mmu_tlb_entry_phys(e);
        ev.stale.cached_pte = e->pte;
        ev.stale.current_pte = present ? w.pte : 0;
        ev.stale.acc = (uint8_t)acc;
        pw_events_publish(m->events, &ev);
    }
}

/* Translates the page of lin for one access. On success *phys is the page-aligned frame
 * (before the A20 gate) and *idx the TLB entry used (-1: none, the fast table may not
 * mirror it). On #PF, m->fault is set, the event published, and false returned. Inline:
 * every fast-table miss comes through here (the miss path in one function). */
static MMU_ALWAYS_INLINE bool translate(struct mmu *m, uint32_t lin, enum pw_access acc, bool user,
                                        uint32_t *phys, int32_t *idx)
{
    struct mmu_walk w;
    *idx = -1;
    if (!m->paging) {
        *phys = lin & PAGE_MASK;
        return true;
    }
    m->stats.lookups++;
    int32_t i = mmu_tlb_lookup(m, lin);
    if (i >= 0) {
        m->stats.hits++;
        m->slow_hits++;
        struct mmu_tlb_entry *e = &m->tlb[i];
        mmu_tlb_use(m, i);
        if (m->tlb_check)
            check_stale(m, e, lin, acc, user);
        if (!mmu_rights_allow(m, e->pte & (PTE_RW | PTE_US), acc, user)) {
            mmu_tlb_drop(m, i);
            uint32_t err = PF_ERR_P | (acc == PW_ACC_WRITE ? PF_ERR_W : 0) | (user ? PF_ERR_U : 0);
            return raise_pf(m, lin, err);
        }
        if (acc == PW_ACC_WRITE && !(e->pte & PTE_D)) {
            /* First write through an entry filled by a read: walk again to set D. */
            struct mmu_walk wd; /* its own record: the miss path's stays in registers */
            if (!mmu_walk(m, lin, acc, user, true, &wd)) {
                mmu_tlb_drop(m, i);
                return raise_pf(m, lin, wd.err);
            }
            mmu_fast_drop_entry(m, i); /* the frame may differ from what was cached */
            e->pte = cached_pte(&wd, acc);
        }
        *phys = mmu_tlb_entry_phys(e);
        *idx = i;
        return true;
    }
    m->stats.misses++;
    if (!mmu_walk_inline(m, lin, acc, user, true, &w))
        return raise_pf(m, lin, w.err);
    *phys = w.phys;
    *idx = mmu_tlb_fill_inline(m, lin, cached_pte(&w, acc));
    return true;
}

/* Enters one fast slot for (acc, user) mirroring entry idx, unless it is already there. */
static MMU_ALWAYS_INLINE void fast_set(struct mmu *m, enum pw_access acc, bool user,
                                        uint32_t lin, int32_t idx, uint8_t *host_page)
{
    struct mmu_fast *f = mmu_fast_slot(m, acc, user, lin);
    if (f->tag == (lin & PAGE_MASK) && f->tlb_index == idx)
        return; /* already there (the access came here only for a bound or a check) */
    f->tag = lin & PAGE_MASK;
    f->tlb_index = idx;
    f->addend = (uintptr_t)host_page - (uintptr_t)(lin & PAGE_MASK);
    if ((uint32_t)idx < 64) /* see tlb_mirror in mmu.h */
        m->tlb_mirror[idx] |= (uint8_t)(1u << (acc * 2 + user));
    if (idx >= 0) { /* remember it for the next full flush (see mmu_tlb_drop_all) */
        uint32_t n = m->fast_log_n;
        if (n <= MMU_FAST_LOG) {
            if (n < MMU_FAST_LOG)
                m->fast_log[n] = f;
            m->fast_log_n = n + 1;
        }
    }
}

/* The host address of the page-aligned physical frame 'phys', as phys_host_ptr gives it:
 * NULL unless the whole page is directly addressable host memory that is not read-watched;
 * *writable false for ROM and for write-watched or code frames. Plain RAM inline. */
static MMU_ALWAYS_INLINE uint8_t *host_page(struct mmu *m, uint32_t phys, bool *writable)
{
    struct phys *p = m->phys;
    uint8_t *h = phys_ram_direct(p, phys, PAGE_SIZE);
    if (MMU_LIKELY(h != NULL)) {
        uint8_t f = p->frame_flags[(uint32_t)(h - p->ram) >> PAGE_SHIFT];
        *writable = !(f & (PHYS_F_WATCH_R | PHYS_F_WATCH_W | PHYS_F_CODE));
        return (f & PHYS_F_WATCH_R) ? NULL : h;
    }
    return phys_host_ptr(p, phys, writable);
}

/* After a successful single-page access whose frame is host memory at 'host' (page base):
 * let later accesses take the fast path when the rules allow (see mmu.h). A read and a
 * write slot are entered together whenever the entry allows both (a write slot only for an
 * entry cached with D set, into writable host memory): the usual read-modify-write of a
 * page then costs one slow access, not two. That changes no observable: a fast hit counts
 * as the same TLB hit, with the same replacement bookkeeping, as the slow path would have
 * made. Fetch slots are entered by fetches only, so data accesses do not push code pages
 * out of the direct-mapped fetch table. */
static MMU_ALWAYS_INLINE void fast_enter(struct mmu *m, uint32_t lin, enum pw_access acc,
                                          bool user, int32_t idx, uint8_t *host, bool writable)
{
    bool d_set = true, can_write = true;
    if (m->paging) {
        if (idx < 0 || m->tlb_check)
            return;
        uint32_t pte = m->tlb[idx].pte;
        d_set = (pte & PTE_D) != 0;
        can_write = mmu_rights_allow(m, pte & (PTE_RW | PTE_US), PW_ACC_WRITE, user);
    }
    if (acc == PW_ACC_WRITE && !d_set)
        return;
    if (acc == PW_ACC_FETCH) {
        fast_set(m, acc, user, lin, idx, host);
        return;
    }
    /* A read slot is always allowed once the translation is (write rights imply read). */
    fast_set(m, PW_ACC_READ, user, lin, idx, host);
    if (writable && d_set && can_write)
        fast_set(m, PW_ACC_WRITE, user, lin, idx, host);
}

/* The same after an access that went through phys_*_lin (not plain host memory, or watched):
 * the frame is looked at only now, as the access may have changed it (a watch subscriber, a
 * device write that maps a window). */
static void fast_fill_after(struct mmu *m, uint32_t lin, enum pw_access acc, bool user,
                            uint32_t phys, int32_t idx)
{
    bool writable;
    uint8_t *host = host_page(m, phys & PAGE_MASK, &writable);
    if (host)
        fast_enter(m, lin, acc, user, idx, host, writable);
}

/* translate() out of line, for the rare two-page accesses. */
static __attribute__((noinline)) bool translate_page(struct mmu *m, uint32_t lin,
                                                     enum pw_access acc, bool user,
                                                     uint32_t *phys, int32_t *idx)
{
    return translate(m, lin, acc, user, phys, idx);
}

/* Translates every page an access touches (one or two) before anything is done, so a fault
 * on the second page leaves memory untouched. CR2 for the second page is its first byte. */
struct span {
    uint32_t phys[2]; /* page frames */
    int32_t idx[2];
    uint32_t off, first; /* offset in page 1, bytes in page 1 */
    bool split;
};

static bool translate_span(struct mmu *m, uint32_t lin, unsigned size, enum pw_access acc,
                           bool user, struct span *s)
{
    s->off = lin & ~PAGE_MASK;
    s->split = s->off + size > PAGE_SIZE;
    s->first = s->split ? PAGE_SIZE - s->off : size;
    if (!translate_page(m, lin, acc, user, &s->phys[0], &s->idx[0]))
        return false;
    if (s->split && !translate_page(m, (lin & PAGE_MASK) + PAGE_SIZE, acc, user, &s->phys[1],
                                    &s->idx[1]))
        return false;
    return true;
}

static uint32_t span_addr(const struct span *s, unsigned i)
{
    return i < s->first ? s->phys[0] + s->off + i : s->phys[1] + (i - s->first);
}

/* The single-page case of mmu_read_slow, which every TLB miss on a read takes: translate
 * (TLB lookup, else walk and fill), then read through the host address that the fast slots
 * get anyway. Frames that are not plain host memory, or are read-watched, go through
 * phys_read_lin as before. */
static MMU_ALWAYS_INLINE bool read_page(struct mmu *m, uint32_t lin, unsigned size, bool user,
                                        enum pw_access acc, uint32_t *val)
{
    uint32_t phys, off = lin & ~PAGE_MASK;
    int32_t idx;
    bool writable;
    if (!translate(m, lin, acc, user, &phys, &idx))
        return false;
    uint8_t *host = host_page(m, phys, &writable);
    if (MMU_LIKELY(host != NULL)) {
        *val = mmu_load_host(host + off, size);
        fast_enter(m, lin, acc, user, idx, host, writable);
        return true;
    }
    *val = phys_read_lin(m->phys, phys + off, size, lin);
    fast_fill_after(m, lin, acc, user, phys, idx);
    return true;
}

/* Everything but the common-case miss (miss.c), which reaches it by a tail call. */
uint64_t mmu_read_general(struct mmu *m, uint32_t lin, unsigned size, bool user,
                          enum pw_access acc)
{
    uint32_t v = 0;
    m->code_seq++; /* it may set an A bit, or reach a device (see mmu.h) */
    if (MMU_LIKELY((lin & ~PAGE_MASK) <= PAGE_SIZE - size)) {
        bool ok = size == 4 ? read_page(m, lin, 4, user, acc, &v)
                            : read_page(m, lin, size, user, acc, &v);
        return ok ? v : MMU_MISS_FAULT;
    }
    struct span s;
    if (!translate_span(m, lin, size, acc, user, &s))
        return MMU_MISS_FAULT;
    for (unsigned i = 0; i < size; i++)
        v |= phys_read_lin(m->phys, span_addr(&s, i), 1, lin + i) << (8 * i);
    return v;
}

/* The single-page case of mmu_write_slow: as read_page. A frame that is host memory but not
 * plainly writable (ROM, write-watched, code) is written through phys_write_lin, which drops
 * or publishes as it must, and may still get a read slot. */
static MMU_ALWAYS_INLINE bool write_page(struct mmu *m, uint32_t lin, unsigned size, bool user,
                                         uint32_t val)
{
    uint32_t phys, off = lin & ~PAGE_MASK;
    int32_t idx;
    bool writable;
    if (!translate(m, lin, PW_ACC_WRITE, user, &phys, &idx))
        return false;
    uint8_t *host = host_page(m, phys, &writable);
    if (MMU_LIKELY(host != NULL && writable)) {
        mmu_store_host(host + off, size, val);
        fast_enter(m, lin, PW_ACC_WRITE, user, idx, host, writable);
        return true;
    }
    phys_write_lin(m->phys, phys + off, size, val, lin);
    fast_fill_after(m, lin, PW_ACC_WRITE, user, phys, idx);
    return true;
}

bool mmu_write_general(struct mmu *m, uint32_t lin, unsigned size, bool user, uint32_t val)
{
    if (MMU_LIKELY((lin & ~PAGE_MASK) <= PAGE_SIZE - size)) {
        if (size == 4)
            return write_page(m, lin, 4, user, val);
        return write_page(m, lin, size, user, val);
    }
    struct span s;
    if (!translate_span(m, lin, size, PW_ACC_WRITE, user, &s))
        return false;
    for (unsigned i = 0; i < size; i++)
        phys_write_lin(m->phys, span_addr(&s, i), 1, (val >> (8 * i)) & 0xFF, lin + i);
    return true;
}

bool mmu_check_write(struct mmu *m, uint32_t lin, unsigned size, bool user)
{
    struct span s;
    return translate_span(m, lin, size, PW_ACC_WRITE, user, &s);
}

const uint8_t *mmu_fetch_general(struct mmu *m, uint32_t lin, bool user, uint32_t *avail,
                                 bool *faulted)
{
    uint32_t left = PAGE_SIZE - (lin & ~PAGE_MASK);
    uint8_t *h;
    uint32_t phys;
    int32_t idx;
    bool writable;
    if (!translate(m, lin, PW_ACC_FETCH, user, &phys, &idx)) {
        *faulted = true;
        return NULL;
    }
    h = host_page(m, phys, &writable);
    if (!h)
        return NULL;
    fast_enter(m, lin, PW_ACC_FETCH, user, idx, h, writable);
    *avail = left;
    return h + (lin & ~PAGE_MASK);
}
