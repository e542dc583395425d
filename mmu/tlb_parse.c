/* --tlb option parsing and the per-model defaults.
 *
 *   off | ideal | key=value[,key=value...]
 *   keys: sets=N  ways=N  entries=N  policy=lru|fifo|random|plru  seed=N
 *
 * Unspecified keys keep the 386 default (8 sets x 4 ways). entries = sets x ways; sets must
 * be a power of two (the set index is a bit field of the linear page number). */
#include "mmu/mmu.h"

#include "mmu/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLB_MAX_ENTRIES (1u << 20) /* one per 4 KiB page of the 4 GiB space */
#define PLRU_MAX_WAYS 8            /* one byte of tree bits per set */

struct mmu_tlb_config mmu_tlb_default(int cpu_model)
{
    /* Both have a 32-entry, 4-way TLB (386 manual 5.3; i486 manual 4.6.1). The 486 replaces
     * by pseudo-LRU (its TR7 exposes the 3 LRU bits of a set); the 386 exposes no LRU state
     * and is modelled with a deterministic pseudo-random choice. */
    struct mmu_tlb_config c = { .mode = TLB_SETASSOC, .sets = 8, .ways = 4 };
    c.policy = cpu_model >= 486 ? TLB_PLRU : TLB_RANDOM;
    c.seed = 0;
    return c;
}

static bool is_pow2(unsigned v)
{
    return v && !(v & (v - 1));
}

/* Parses an unsigned number (decimal or 0x hex) that is the whole of [s, s+len). */
static bool parse_num(const char *s, size_t len, unsigned long *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (buf[0] == '-' || buf[0] == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(buf, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool key_is(const char *k, size_t klen, const char *name)
{
    return strlen(name) == klen && memcmp(k, name, klen) == 0;
}

int mmu_tlb_config_check(const struct mmu_tlb_config *c, char *err, size_t errlen)
{
    if (c->mode != TLB_SETASSOC)
        return 0;
    if (!is_pow2(c->sets)) {
        snprintf(err, errlen, "--tlb: sets=%u is not a power of two", c->sets);
        return -1;
    }
    if (c->ways == 0 || (unsigned long)c->sets * c->ways > TLB_MAX_ENTRIES) {
        snprintf(err, errlen, "--tlb: %u sets x %u ways is not between 1 and %u entries", c->sets,
                 c->ways, TLB_MAX_ENTRIES);
        return -1;
    }
    if (c->policy == TLB_PLRU && (!is_pow2(c->ways) || c->ways > PLRU_MAX_WAYS)) {
        snprintf(err, errlen, "--tlb: policy=plru needs ways = 1, 2, 4 or 8 (got %u)", c->ways);
        return -1;
    }
    return 0;
}

int mmu_tlb_parse(const char *spec, struct mmu_tlb_config *out, char *err, size_t errlen)
{
    struct mmu_tlb_config c = mmu_tlb_default(386);
    if (err && errlen)
        err[0] = '\0';
    if (!err)
        errlen = 0;
    if (spec == NULL || *spec == '\0') {
        snprintf(err, errlen, "--tlb: empty spec (try off, ideal or sets=8,ways=4,policy=lru)");
        return -1;
    }
    if (strcmp(spec, "off") == 0 || strcmp(spec, "ideal") == 0) {
        c.mode = spec[0] == 'o' ? TLB_OFF : TLB_IDEAL;
        *out = c;
        return 0;
    }
    unsigned long entries = 0;
    bool have_entries = false, have_sets = false;
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq) {
            snprintf(err, errlen, "--tlb: '%.*s' is not key=value", (int)len, p);
            return -1;
        }
        size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
        const char *v = eq + 1;
        unsigned long n = 0;
        if (key_is(p, klen, "policy")) {
            if (vlen == 3 && !memcmp(v, "lru", 3))
                c.policy = TLB_LRU;
            else if (vlen == 4 && !memcmp(v, "fifo", 4))
                c.policy = TLB_FIFO;
            else if (vlen == 6 && !memcmp(v, "random", 6))
                c.policy = TLB_RANDOM;
            else if (vlen == 4 && !memcmp(v, "plru", 4))
                c.policy = TLB_PLRU;
            else {
                snprintf(err, errlen, "--tlb: unknown policy '%.*s' (lru, fifo, random, plru)",
                         (int)vlen, v);
                return -1;
            }
        } else if (key_is(p, klen, "sets") || key_is(p, klen, "ways") ||
                   key_is(p, klen, "entries") || key_is(p, klen, "seed")) {
            if (!parse_num(v, vlen, &n) || (n > TLB_MAX_ENTRIES && !key_is(p, klen, "seed")) ||
                n > 0xFFFFFFFFul) {
                snprintf(err, errlen, "--tlb: bad number '%.*s' for %.*s", (int)vlen, v,
                         (int)klen, p);
                return -1;
            }
            if (key_is(p, klen, "sets"))
                c.sets = (unsigned)n, have_sets = true;
            else if (key_is(p, klen, "ways"))
                c.ways = (unsigned)n;
            else if (key_is(p, klen, "entries"))
                entries = n, have_entries = true;
            else
                c.seed = (uint32_t)n;
        } else {
            snprintf(err, errlen, "--tlb: unknown key '%.*s' (sets, ways, entries, policy, seed)",
                     (int)klen, p);
            return -1;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    if (have_entries) {
        if (c.ways == 0 || entries % c.ways) {
            snprintf(err, errlen, "--tlb: entries=%lu is not a multiple of ways=%u", entries,
                     c.ways);
            return -1;
        }
        unsigned sets = (unsigned)(entries / c.ways);
        if (have_sets && sets != c.sets) {
            snprintf(err, errlen, "--tlb: entries=%lu does not equal sets=%u x ways=%u", entries,
                     c.sets, c.ways);
            return -1;
        }
        c.sets = sets;
    }
    if (mmu_tlb_config_check(&c, err, errlen) != 0)
        return -1;
    *out = c;
    return 0;
}
