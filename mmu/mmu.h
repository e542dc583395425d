/* Linear-to-physical translation: the i386 two-level page walk and the TLB model.
 *
 *   linear address:  31        22 21        12 11          0
 *                   +------------+------------+-------------+
 *                   | PDX (dir)  | PTX (table)|   offset    |
 *                   +------------+------------+-------------+
 *   CR3 -> page directory[PDX] -> page table[PTX] -> frame + offset
 *
 * Two layers, kept strictly apart:
 *  - the architectural TLB (tlb.c): sets x ways of cached translations with a replacement
 *    policy. A hit uses what was cached even if the tables changed since; only CR3 writes,
 *    INVLPG, task switches with a new CR3 and CR0.PG/WP changes invalidate it.
 *  - the fast table (this header): a direct-mapped host cache of translations the
 *    architectural TLB holds *and* whose rights allow the access, with the host address
 *    already added. A fast hit is one compare and one add. It never holds anything the
 *    architectural TLB does not, so it cannot change what the guest observes.
 *
 * Faults are values: accessors return false and leave the #PF in mmu->fault; the caller (the
 * CPU) decides how to raise it. Nothing here longjmps. */
#ifndef PW_MMU_MMU_H
#define PW_MMU_MMU_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mmu/events.h"
#include "mmu/phys.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096u
#define PAGE_MASK 0xFFFFF000u

/* PDE/PTE bits (Intel SDM vol. 3, 386 manual 5.2.4) */
#define PTE_P 0x001u
#define PTE_RW 0x002u
#define PTE_US 0x004u
#define PTE_PWT 0x008u
#define PTE_PCD 0x010u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PTE_PS 0x080u
#define PTE_G 0x100u

/* #PF error code bits */
#define PF_ERR_P 0x1u /* 0: not present, 1: protection violation */
#define PF_ERR_W 0x2u /* the access was a write */
#define PF_ERR_U 0x4u /* the access was made at CPL 3 */

enum mmu_tlb_policy { TLB_LRU, TLB_FIFO, TLB_RANDOM, TLB_PLRU };
enum mmu_tlb_mode { TLB_SETASSOC, TLB_IDEAL, TLB_OFF };

struct mmu_tlb_config {
    enum mmu_tlb_mode mode;
    unsigned sets, ways;       /* TLB_SETASSOC: sets a power of two */
    enum mmu_tlb_policy policy;
    uint32_t seed;             /* TLB_RANDOM */
};

/* Parses a --tlb spec: "off", "ideal", "sets=8,ways=4,policy=lru", "entries=32,ways=4".
 * Returns 0, or -1 with a one-line message in err. */
int mmu_tlb_parse(const char *spec, struct mmu_tlb_config *out, char *err, size_t errlen);
/* The default for a CPU model (386 and 486: 32 entries, 4-way). */
struct mmu_tlb_config mmu_tlb_default(int cpu_model);

struct mmu_tlb_stats {
    uint64_t lookups, hits, misses, walks, fills, evictions;
    uint64_t flushes[PW_FLUSH_NCAUSES];   /* flush operations by cause      */
    uint64_t flushed[PW_FLUSH_NCAUSES];   /* valid entries dropped by cause */
    uint64_t stale_uses;                  /* --tlb-check findings           */
    uint64_t page_faults;
};

struct mmu_fault {
    uint32_t lin; /* becomes CR2 */
    uint32_t err; /* #PF error code */
};

/* One architectural TLB entry. */
struct mmu_tlb_entry {
    uint32_t lin;    /* page-aligned; valid when 'valid' */
    uint32_t pte;    /* PTE as cached: frame | P | A | D | RW&US combined with the PDE (its
                        frame: mmu_tlb_entry_phys) */
    uint64_t stamp;  /* replacement-policy bookkeeping (LRU time, FIFO order; left alone
                        under RANDOM and PLRU) */
    bool valid;
};

/* The page-aligned physical frame an entry translates to. */
static inline uint32_t mmu_tlb_entry_phys(const struct mmu_tlb_entry *e)
{
    return e->pte & PAGE_MASK;
}

/* Fast table: direct mapped by (lin >> 12) & (MMU_FAST_SIZE - 1), one table per
 * (access kind, user). tag is the page-aligned linear address or MMU_FAST_EMPTY. */
#define MMU_FAST_BITS 8
#define MMU_FAST_SIZE (1u << MMU_FAST_BITS)
#define MMU_FAST_EMPTY 1u
struct mmu_fast {
    uint32_t tag;
    int32_t tlb_index;   /* architectural entry it mirrors (-1 when paging is off) */
    uintptr_t addend;    /* host pointer = lin + addend */
};

struct mmu {
    struct phys *phys;
    struct pw_events *events;
    int cpu_model;            /* 386 or 486 */
    bool paging;              /* CR0.PG */
    bool wp;                  /* CR0.WP and the model honours it (486+) */
    uint32_t cr3;
    bool tlb_check;           /* --tlb-check: re-walk on every hit, report stale uses.
                                 Change it with mmu_set_tlb_check (drops the fast table and
                                 tells the common-case miss), or directly only while paging
                                 is off (CR0.PG on re-reads it: emu/pc.c does so at start). */

    struct mmu_tlb_config cfg;
    struct mmu_tlb_entry *tlb; /* sets*ways entries; for TLB_IDEAL a growable table */
    unsigned tlb_n;
    uint64_t tick;             /* replacement-policy clock */
    uint32_t rng;              /* TLB_RANDOM: the value the next draw returns (an LCG,
                                  computed a draw ahead so that a miss's victim waits for no
                                  arithmetic: mmu_rng_draw) */
    uint8_t *plru;             /* TLB_PLRU tree bits, one byte per set */
    void *ideal_index;         /* TLB_IDEAL lookup structure (tlb.c) */
    bool touch_on_hit;         /* the policy needs to see hits (LRU, PLRU) */
    int32_t tlb_mru;           /* entry used last (-1 with paging off): fast hits on it
                                  need no replacement bookkeeping */
    uint32_t epoch;            /* bumped whenever a translation or host pointer may have
                                  changed (flush, drop, A20, windows): a CPU that caches
                                  a code-page pointer compares it. An eviction bumps it only
                                  when the evicted entry has been mirrored by a fetch slot
                                  (PW_ACC_FETCH) since it was filled (set-associative TLBs of
                                  at most 64 entries; larger ones bump on every eviction): a
                                  code-page pointer must come from a fetch slot, so an
                                  eviction that bumps nothing cannot concern it. */

    /* The counts of the slow paths (the general path, and the CPU's bulk hits). Read the
     * statistics with mmu_stats(), which adds what the hot paths count
     * in fields of their own (fast_hits, q_count, q_free below), not from here. Code
     * outside mmu/ may add to stats.lookups and stats.hits together (bulk hits). */
    struct mmu_tlb_stats stats;
    uint64_t slow_hits;        /* the TLB hits that took the slow path */
    struct mmu_fault fault;    /* the last refused access */

    /* Who is running, for stale-use reports; set by the CPU. May be NULL. */
    uint32_t (*get_eip)(void *opaque);
    void *get_eip_opaque;

    struct mmu_fast fast[3][2][MMU_FAST_SIZE]; /* [pw_access][user] */

    /* mmu/-private bookkeeping, kept after the fields above so their layout never moves:
     * bit i set when tlb[i] is valid, for set-associative TLBs of at most 64 entries (lets
     * a fill find a free way and a full flush visit only the valid entries). */
    uint64_t tlb_valid;
    /* The fast slots entered for TLB entries since the fast table last held none (a full
     * flush then clears just these). fast_log_n > MMU_FAST_LOG: overflowed, not usable.
     * Used by TLBs that tlb_valid does not cover (a flush of the others clears the six
     * slots at each valid entry's index: tlb.c, mmu_tlb_drop_all). */
#define MMU_FAST_LOG 32
    uint32_t fast_log_n;
    struct mmu_fast *fast_log[MMU_FAST_LOG];
    /* For TLBs of at most 64 entries: bit (access kind * 2 + user) of tlb_mirror[i] is set
     * when a fast slot of that kind has mirrored tlb[i] since it was filled (a superset: the
     * slot may have been reused since). Evicting an entry without a fetch bit probes only
     * its four data slots and does not bump the epoch (see epoch above); one that only the
     * supervisor's data slots mirrored empties those two without reading them
     * (mmu_tlb_evicted). */
#define MMU_MIRROR_FETCH 0x30u
#define MMU_MIRROR_SV_DATA (1u << (PW_ACC_READ * 2) | 1u << (PW_ACC_WRITE * 2)) /* supervisor's */
    uint8_t tlb_mirror[64];
    /* tlb_lin[i] == tlb[i].lin for i < 64 (MMU_TLB_NO_PAGE when invalid), kept by
     * mmu_tlb_set_lin: the four tags of a 4-way set in 16 contiguous bytes, for the
     * common-case miss's hit test. Meaningful for TLBs that tlb_valid covers. */
    uint32_t tlb_lin[64];
    /* What the common-case TLB miss (mmu/miss.c) needs from CR3 and the bus, recomputed on
     * CR3 writes, bus changes (phys->changed), CR0 and TLB geometry changes, --tlb-check
     * changes (mmu_set_tlb_check) and subscriptions (events->changed). */
    uint32_t q_cr3, q_gen;
    uint32_t q_set16;          /* (cfg.sets - 1) * 16: lin >> 8 & q_set16 is the byte offset
                                  of lin's set in tlb_lin (mmu/miss.c, quick_set16) */
    uint64_t q_full;           /* tlb_valid when every entry is valid under RANDOM; under
                                  other policies a value it never takes (mmu/miss.c) */
    bool q_on;                 /* the common case may apply: paging on, A20 on, TLB 4-way
                                  set-associative of <= 64 entries, --tlb-check off, nobody
                                  subscribed to walk/fill/evict events, and this MMU holds
                                  the bus's and the event bus's change hooks */
    uint32_t q_ram_limit;      /* plain RAM lies below this, outside the hole (0: a window
                                  covers some RAM, decode everything the long way) */
    const uint8_t *q_pd;       /* host address of the page directory, or of a directory of
                                  zeros (no PDE present) when the common case does not
                                  apply (!q_on, or the directory not in RAM) */
    uint8_t *q_ram;            /* phys->ram and phys->frame_flags */
    const uint8_t *q_frame_flags;
    uint64_t q_count;          /* misses the common path served: their share of the
                                  statistics (mmu_stats) */
    uint32_t q_pde;            /* the PDE value last found with P and A set and its table in
                                  plain RAM (0 when none) ... */
    const uint8_t *q_ptab;     /* ... and the host address of that table (of a zeroed table
                                  when none): one compare instead of the PDE's checks */
    bool q_hooked;             /* phys->changed and events->changed are this MMU's (one MMU
                                  per bus: a second mmu_init on the same bus takes them, and
                                  this one then keeps to the general path) */

    /* For a CPU that runs blocks of pre-checked instructions (cpu/dblock.h): slow_seq moves
     * whenever an access may have had an effect that such a CPU checks again (guest memory,
     * pending work through a device, the epoch), that is whenever an inline accessor below
     * leaves the fast path (a fault, a watched or device frame, events, A/D bits, a write),
     * except a read miss served by the common case (mmu/miss.c) that evicted no entry a
     * fetch slot mirrored: it changed the TLB and the fast slots, nothing else. It also
     * moves when a fast write lands within [watch_lo, watch_lo + watch_len) of host memory
     * (the bytes of the running block). "Moves" is an increment; the CPU's block loop sets
     * it to 0 when a block starts and after each check, and tests it for non-zero. */
    uint64_t slow_seq;
    uintptr_t watch_lo, watch_len;
    /* code_seq moves when guest memory may have been written: a slow write, a fast write
     * into the watched range, a read that took the general miss path (a walk that sets an
     * A bit, a device frame); not for a read miss that walked without writing anything
     * (mmu/miss.c's common case). The CPU compares its block's bytes again only then. */
    uint64_t code_seq;

    /* The hot paths' counts, from which mmu_stats() derives the statistics (so that a
     * fast hit adds to one counter and a common-case miss to one, q_count above):
     *  - fast_hits: every fast hit, paging on or off; the hits with paging off (slots that
     *    mirror no TLB entry, which are no TLB lookup) are those between a CR0.PG clear
     *    and the next set, which mmu_set_cr0 accumulates: fast_off_hits (closed intervals)
     *    and fast_off_at (fast_hits when PG was last cleared). A PG change empties the
     *    fast table, so no slot of one kind is ever hit in the other mode.
     *  - q_free: common-case misses that filled a free way (the others evicted one). */
    uint64_t fast_hits, fast_off_hits, fast_off_at;
    uint64_t q_free;
};

int mmu_init(struct mmu *m, struct phys *phys, struct pw_events *events, int cpu_model,
             const struct mmu_tlb_config *cfg);
void mmu_free(struct mmu *m);
/* Replaces the TLB geometry/policy (flushes). */
int mmu_set_tlb_config(struct mmu *m, const struct mmu_tlb_config *cfg);

/* Control-register effects, called by the CPU after it changed CR0/CR3. */
void mmu_set_cr3(struct mmu *m, uint32_t cr3, enum pw_flush_cause cause); /* flushes all */
void mmu_set_cr0(struct mmu *m, bool pg, bool wp);   /* flushes if PG or WP changed */
void mmu_invlpg(struct mmu *m, uint32_t lin);
void mmu_flush_all(struct mmu *m, enum pw_flush_cause cause);
/* Drops the fast table only (host-side change: A20, windows, watches). Not architectural. */
void mmu_flush_fast(struct mmu *m);
/* Turns --tlb-check on or off at any time (the checker must see every hit, so the fast
 * table is not used while it is on). */
void mmu_set_tlb_check(struct mmu *m, bool on);
/* The statistics (m->stats holds only the slow paths' part: see struct mmu). */
struct mmu_tlb_stats mmu_stats(const struct mmu *m);

/* The general, always-correct access path. size 1, 2 or 4; lin may cross a page: both pages
 * are translated and checked before any byte is read or written. Returns false with
 * m->fault set on #PF. Fills the fast table when the access may take the fast path later. */
bool mmu_read_slow(struct mmu *m, uint32_t lin, unsigned size, bool user, enum pw_access acc,
                   uint32_t *val);
bool mmu_write_slow(struct mmu *m, uint32_t lin, unsigned size, bool user, uint32_t val);
/* Checks that a write of size bytes at lin would succeed (sets A/D as the write would, fills
 * the TLB) without writing: for instructions that must fault before changing anything. */
bool mmu_check_write(struct mmu *m, uint32_t lin, unsigned size, bool user);

/* Translation for instruction fetch: host pointer to the byte at lin and the bytes left in
 * that page. Returns NULL with m->fault set on #PF (fault.err != 0 or fault-kind), or NULL
 * with *avail = 0 and no fault when the page is not host memory (then fetch bytewise with
 * mmu_read_slow(..., PW_ACC_FETCH)). */
const uint8_t *mmu_fetch_ptr(struct mmu *m, uint32_t lin, bool user, uint32_t *avail, bool *faulted);

/* Side-effect-free translation for debuggers and --tlb-check: walks the current tables,
 * sets no A/D bit, touches no TLB state, publishes nothing. Returns true when the access
 * would be allowed; *phys, *pde, *pte filled as far as the walk got. */
bool mmu_probe(struct mmu *m, uint32_t lin, enum pw_access acc, bool user, uint32_t *phys,
               uint32_t *pde, uint32_t *pte);
/* Looks up the architectural TLB for lin without changing it. NULL if absent. */
const struct mmu_tlb_entry *mmu_tlb_peek(const struct mmu *m, uint32_t lin);

/* ---- inline fast paths ------------------------------------------------------------- */

#if defined(__GNUC__)
#define MMU_LIKELY(x) __builtin_expect(!!(x), 1)
#define MMU_SCALAR(v) __asm__("" : "+r"(v))
#else
#define MMU_LIKELY(x) (x)
#define MMU_SCALAR(v) ((void)0)
#endif

/* Replacement bookkeeping on a fast hit of an entry other than the last one used. */
void mmu_tlb_touch(struct mmu *m, int32_t idx);

/* The byte offset of lin's slot in a fast table: its index times 16, from lin in one shift
 * and one mask (the CPU's block loop indexes its tables so). */
_Static_assert(sizeof(struct mmu_fast) == 16, "a fast slot is 16 bytes");
static inline uintptr_t mmu_fast_offset(uint32_t lin)
{
    return (lin >> (PAGE_SHIFT - 4)) & ((MMU_FAST_SIZE - 1) << 4);
}

static inline struct mmu_fast *mmu_fast_slot(struct mmu *m, int acc, bool user, uint32_t lin)
{
    return &m->fast[acc][user][(lin >> PAGE_SHIFT) & (MMU_FAST_SIZE - 1)];
}

/* A fast hit: one compare of the page tag (MMU_FAST_EMPTY never matches an aligned page)
 * with the page of the access's last byte, one counter. The slot is the one of lin's page
 * and holds only tags of pages with that index, so an access of 1..4096 bytes that crosses
 * into the next page (or wraps at 4 GiB) compares with a tag that cannot be there: the one
 * compare is the tag test and the bound check at once. Re-using the entry used last needs no
 * LRU/PLRU update, which is the common case. The fast table is never filled while
 * --tlb-check is on, so the checker sees every hit on the slow path. */
static inline bool mmu_fast_match(const struct mmu_fast *f, uint32_t lin, unsigned size)
{
    return f->tag == ((lin + size - 1) & PAGE_MASK);
}

/* The use of a slot that matched: the host address of lin. touch must be m->touch_on_hit;
 * a caller that knows it as a constant (the CPU's block loop) saves its test. */
static inline uint8_t *mmu_fast_use_as(struct mmu *m, struct mmu_fast *f, uint32_t lin,
                                       bool touch)
{
    /* A TLB lookup and hit when the slot mirrors an entry (paging on), none with paging off:
     * one count here, told apart by mmu_stats (struct mmu, fast_hits). */
    m->fast_hits++;
    if (touch && f->tlb_index != m->tlb_mru) /* the constant test first */
        mmu_tlb_touch(m, f->tlb_index);
    return (uint8_t *)(uintptr_t)(lin + f->addend);
}

static inline uint8_t *mmu_fast_use(struct mmu *m, struct mmu_fast *f, uint32_t lin)
{
    return mmu_fast_use_as(m, f, lin, m->touch_on_hit);
}

static inline uint8_t *mmu_fast_lookup(struct mmu *m, int acc, bool user, uint32_t lin, unsigned size)
{
    struct mmu_fast *f = mmu_fast_slot(m, acc, user, lin);
    if (MMU_LIKELY(mmu_fast_match(f, lin, size)))
        return mmu_fast_use(m, f, lin);
    return NULL;
}

/* The fast-table misses of the accessors below (mmu/miss.c): mmu_read_slow and
 * mmu_write_slow for one size, plus what the accessors owe the block loop (slow_seq as its
 * comment in struct mmu says, and code_seq for a write). A read returns the value in the low 32 bits, or MMU_MISS_FAULT
 * with m->fault set; a write returns false on #PF. The common case (a plain TLB miss) is a
 * leaf that returns its result in registers. */
#define MMU_MISS_FAULT (1ull << 32)
uint64_t mmu_read_miss8(struct mmu *m, uint32_t lin, bool user);
uint64_t mmu_read_miss16(struct mmu *m, uint32_t lin, bool user);
uint64_t mmu_read_miss32(struct mmu *m, uint32_t lin, bool user);
/* The same read miss in two halves, for a caller that has something to do before the
 * general path runs (the CPU's block loop tells where the instruction restarts, which only
 * the general path may need: a fault, an observer). mmu_read_quick_of[user][0, 1, 2 for 8,
 * 16, 32 bits](m, lin) is the common case alone, for an access that stays within its page
 * (the caller sends one that crosses straight to the general half): it returns what
 * mmu_read_miss<bits> would, or MMU_MISS_SLOW with lin in the low 32 bits (so that the
 * caller need not keep it across the call) having changed nothing; the caller then calls
 * mmu_read_miss_general with the same arguments, which does the rest.
 * mmu_read_miss<bits>(m, lin, user) is both, for any access. */
#define MMU_MISS_SLOW (1ull << 33)
/* Set besides the value when a read miss moved slow_seq (its eviction took an entry a fetch
 * slot mirrored), so that a caller need not look at slow_seq after one that did not. */
#define MMU_MISS_MOVED (1ull << 34)
typedef uint64_t (*mmu_read_miss_fn)(struct mmu *m, uint32_t lin);
extern const mmu_read_miss_fn mmu_read_quick_of[2][3];
uint64_t mmu_read_miss_general(struct mmu *m, uint32_t lin, unsigned size, bool user);
bool mmu_write_miss8(struct mmu *m, uint32_t lin, bool user, uint32_t v);
bool mmu_write_miss16(struct mmu *m, uint32_t lin, bool user, uint32_t v);
bool mmu_write_miss32(struct mmu *m, uint32_t lin, bool user, uint32_t v);

/* The watch of the running block's bytes, for a write through a write slot to host
 * address h: slow_seq and code_seq move when it lands there, and the result is true. */
static inline bool mmu_fast_watch(struct mmu *m, const uint8_t *h)
{
    if (__builtin_expect((uintptr_t)h - m->watch_lo < m->watch_len, 0)) {
        m->slow_seq++;
        m->code_seq++;
        return true;
    }
    return false;
}

/* A write through a write slot that matched (mmu_fast_match): the store, and its watch. */
#define MMU_DEFINE_STORE(bits)                                                             \
    static inline void mmu_fast_store##bits(struct mmu *m, struct mmu_fast *f, uint32_t lin, \
                                            uint##bits##_t v)                              \
    {                                                                                      \
        uint8_t *h = mmu_fast_use(m, f, lin);                                              \
        mmu_fast_watch(m, h);                                                              \
        memcpy(h, &v, (bits) / 8);                                                         \
    }
MMU_DEFINE_STORE(8)
MMU_DEFINE_STORE(16)
MMU_DEFINE_STORE(32)
#undef MMU_DEFINE_STORE

/* The accessors: a fast hit, else the miss entry. The hit halves return false, having
 * changed nothing, when the fast slot does not hold the access. (cpu/dc_ops.h, which has
 * something to do only on a miss, does the same from the slot of the running privilege:
 * mmu_fast_match, mmu_fast_use or mmu_fast_store, then a miss entry.) A fast write into
 * [watch_lo, watch_lo + watch_len) moves slow_seq and code_seq. */
#define MMU_DEFINE_RW(bits)                                                                \
    static inline bool mmu_read_hit##bits(struct mmu *m, uint32_t lin, bool user,          \
                                          uint##bits##_t *v)                               \
    {                                                                                      \
        struct mmu_fast *f = mmu_fast_slot(m, PW_ACC_READ, user, lin);                     \
        if (MMU_LIKELY(mmu_fast_match(f, lin, (bits) / 8))) {                              \
            memcpy(v, mmu_fast_use(m, f, lin), (bits) / 8);                                \
            return true;                                                                   \
        }                                                                                  \
        return false;                                                                      \
    }                                                                                      \
    static inline bool mmu_write_hit##bits(struct mmu *m, uint32_t lin, bool user,         \
                                           uint##bits##_t v)                               \
    {                                                                                      \
        struct mmu_fast *f = mmu_fast_slot(m, PW_ACC_WRITE, user, lin);                    \
        if (MMU_LIKELY(mmu_fast_match(f, lin, (bits) / 8))) {                              \
            mmu_fast_store##bits(m, f, lin, v);                                            \
            return true;                                                                   \
        }                                                                                  \
        return false;                                                                      \
    }                                                                                      \
    static inline bool mmu_read##bits(struct mmu *m, uint32_t lin, bool user, uint##bits##_t *v) \
    {                                                                                      \
        if (MMU_LIKELY(mmu_read_hit##bits(m, lin, user, v)))                               \
            return true;                                                                   \
        uint64_t r = mmu_read_miss##bits(m, lin, user);                                    \
        if (r & MMU_MISS_FAULT)                                                            \
            return false;                                                                  \
        *v = (uint##bits##_t)r;                                                            \
        return true;                                                                       \
    }                                                                                      \
    static inline bool mmu_write##bits(struct mmu *m, uint32_t lin, bool user, uint##bits##_t v) \
    {                                                                                      \
        if (MMU_LIKELY(mmu_write_hit##bits(m, lin, user, v)))                              \
            return true;                                                                   \
        return mmu_write_miss##bits(m, lin, user, v);                                      \
    }

MMU_DEFINE_RW(8)
MMU_DEFINE_RW(16)
MMU_DEFINE_RW(32)
#undef MMU_DEFINE_RW

#endif
