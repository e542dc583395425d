/* String instructions: MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE, both
 * directions, 16- or 32-bit addressing (SI/DI/CX or ESI/EDI/ECX) and a segment override
 * for the source (the destination is always ES) (Intel 386 manual 17.2.2.11, "REP").
 *
 * Each element is complete (memory and registers) before the next starts, so a fault in
 * the middle leaves ECX/ESI/EDI at the faulting element and the restarted instruction
 * carries on from there. A pending interrupt stops a REP between elements: EIP stays at
 * the instruction (prefixes included), which resumes after the handler returns. */
#include "cpu/ops.h"

enum { S_MOVS, S_CMPS, S_STOS, S_LODS, S_SCAS, S_INS, S_OUTS };

/* ---- chunks through host memory ----
 *
 * A REP MOVS/STOS/SCAS/CMPS runs a chunk of elements directly on host memory when nothing
 * can intervene between them: every element of the chunk lies inside one page of each
 * operand, inside the segment limits (plain expand-up data segments, which is what
 * seg_lin's inline fast path accepts), inside the address-size wrap, inside ECX and inside
 * what is left of REP_CHUNK; and the MMU's fast table holds each page with the access
 * allowed (so: plain RAM, no watched frame, no MMIO, no --tlb-check). Within such a chunk
 * no element can fault and no interrupt can become pending, so the result is the element
 * loop's: same memory, same registers and flags after the last element, the TLB used in
 * the same order (source, then destination) and the same hit counts. Anything else runs
 * one element through the general path, which raises any fault at exactly that element
 * and fills the fast table for the next chunk. */

/* The elements left in the page of lin, walking by step (size > 0 up, else down). */
static inline uint32_t page_room(uint32_t lin, unsigned size, bool down)
{
    uint32_t off = lin & ~PAGE_MASK;
    if (off + size > PAGE_SIZE)
        return 0; /* the element itself crosses the page */
    return down ? off / size + 1 : (PAGE_SIZE - off) / size;
}

/* The elements left before the offset wraps at the address size. */
static inline uint32_t wrap_room(uint32_t off, unsigned size, bool a32, bool down)
{
    uint64_t top = a32 ? 0x100000000ull : 0x10000ull;
    uint64_t n = down ? (uint64_t)off / size + 1 : (top - off) / size;
    return n > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)n;
}

/* True when bytes at off..off+bytes-1 of sreg need only the limit check (as seg_lin). */
static inline bool seg_range_ok(const struct cpu *c, int sreg, uint32_t off, uint32_t bytes)
{
    const struct cpu_seg *s = &c->seg[sreg];
    return (s->attr & 0x1E) == 0x12 && (s->valid || !c->pm_checks) &&
           (uint64_t)off + bytes - 1 <= s->limit;
}

/* The fast slot for an element at lin when it holds lin's page, else NULL (nothing used). */
static inline struct mmu_fast *chunk_slot(struct cpu *c, int acc, uint32_t lin, unsigned size)
{
    struct mmu_fast *f = mmu_fast_slot(c->mmu, acc, cpu_user(c), lin);
    return mmu_fast_match(f, lin, size) ? f : NULL;
}

/* Uses a slot for n element accesses: one use with its replacement bookkeeping (repeating
 * the same alternation of uses changes no LRU/PLRU order), n TLB hits. */
static inline uint8_t *chunk_use(struct cpu *c, struct mmu_fast *f, uint32_t lin, uint32_t n)
{
    struct mmu *m = c->mmu;
    uint8_t *h = mmu_fast_use(m, f, lin);
    uint64_t more = f->tlb_index >= 0 ? (uint64_t)(n - 1) : 0;
    m->stats.lookups += more;
    m->stats.hits += more;
    return h;
}

static inline uint32_t ld(const uint8_t *p, unsigned size)
{
    if (size == 1)
        return *p;
    if (size == 2) {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Runs up to max elements of a REP MOVS/STOS/SCAS/CMPS as one chunk. Returns the elements
 * done (0: take the general path for one element); *stop is the REPE/REPNE condition of
 * the last one. */
static inline __attribute__((always_inline)) uint32_t string_chunk(struct cpu *c, struct insn *i,
                                                                   int kind, unsigned size,
                                                                   uint32_t si, uint32_t di,
                                                                   uint32_t max, bool *stop)
{
    const bool down = (c->eflags & FL_DF) != 0, a32 = i->a32;
    const bool has_src = kind == S_MOVS || kind == S_CMPS;
    const int src = i->seg;
    uint32_t dlin = c->seg[SEG_ES].base + di, slin = 0;
    uint32_t n = max;
    uint32_t r = page_room(dlin, size, down);
    n = r < n ? r : n;
    r = wrap_room(di, size, a32, down);
    n = r < n ? r : n;
    if (has_src) {
        slin = c->seg[src].base + si;
        r = page_room(slin, size, down);
        n = r < n ? r : n;
        r = wrap_room(si, size, a32, down);
        n = r < n ? r : n;
    }
    if (n < 2)
        return 0;
    uint32_t bytes = n * size;
    if (!seg_range_ok(c, SEG_ES, down ? di - (bytes - size) : di, bytes))
        return 0;
    if (has_src && !seg_range_ok(c, src, down ? si - (bytes - size) : si, bytes))
        return 0;
    struct mmu_fast *fs = NULL, *fd;
    if (has_src && !(fs = chunk_slot(c, PW_ACC_READ, slin, size)))
        return 0;
    fd = chunk_slot(c, kind == S_MOVS || kind == S_STOS ? PW_ACC_WRITE : PW_ACC_READ, dlin, size);
    if (!fd)
        return 0;
    const ptrdiff_t st = down ? -(ptrdiff_t)size : (ptrdiff_t)size;
    const unsigned sz = size == 1 ? 0 : size == 2 ? 1 : 2;
    switch (kind) {
    case S_MOVS: {
        const uint8_t *s = chunk_use(c, fs, slin, n);
        uint8_t *d = chunk_use(c, fd, dlin, n);
        const uint8_t *slo = down ? s - (bytes - size) : s;
        uint8_t *dlo = down ? d - (bytes - size) : d;
        if (dlo + bytes <= slo || slo + bytes <= dlo || dlo == slo) {
            memmove(dlo, slo, bytes); /* disjoint (or identical): order does not matter */
        } else {
            /* overlapping: element by element in the guest's direction, as the hardware */
            for (uint32_t k = 0; k < n; k++, s += st, d += st)
                memmove(d, s, size);
        }
        return n;
    }
    case S_STOS: {
        uint8_t *d = chunk_use(c, fd, dlin, n);
        uint8_t *dlo = down ? d - (bytes - size) : d;
        uint32_t v = c->gpr[R_EAX];
        if (size == 1) {
            memset(dlo, (uint8_t)v, bytes);
        } else {
            for (uint32_t k = 0; k < n; k++)
                memcpy(dlo + k * size, &v, size);
        }
        return n;
    }
    case S_SCAS: {
        /* the uses are counted once the number of elements is known */
        const uint8_t *d = (const uint8_t *)(uintptr_t)(dlin + fd->addend);
        uint32_t a = c->gpr[R_EAX] & sz_mask(sz), b = 0, k = 0;
        bool want_eq = i->rep == 0xF3; /* REPE: go on while equal */
        if (size == 1 && !want_eq) {
            /* REPNE SCASB (a bitmap scan, as 0.11's get_free_page): up to the first byte
             * equal to AL, in the scan's direction, which the C library finds */
            const uint8_t *lo = down ? d - (n - 1) : d;
            const uint8_t *hit = down ? memrchr(lo, (int)a, n) : memchr(lo, (int)a, n);
            k = hit ? (uint32_t)(down ? d - hit : hit - d) + 1 : n;
            b = *(down ? d - (k - 1) : d + (k - 1));
        } else {
            for (;;) {
                b = ld(d, size);
                k++;
                if ((a == b) != want_eq || k == n)
                    break;
                d += st;
            }
        }
        chunk_use(c, fd, dlin, k);
        flags_set(c, LF_SUB, sz, a, b, (a - b) & sz_mask(sz));
        *stop = (a == b) != want_eq;
        return k;
    }
    default: { /* S_CMPS */
        const uint8_t *s = (const uint8_t *)(uintptr_t)(slin + fs->addend);
        const uint8_t *d = (const uint8_t *)(uintptr_t)(dlin + fd->addend);
        uint32_t a = 0, b = 0, k = 0;
        bool want_eq = i->rep == 0xF3;
        for (;;) {
            a = ld(s, size);
            b = ld(d, size);
            k++;
            if ((a == b) != want_eq || k == n)
                break;
            s += st;
            d += st;
        }
        chunk_use(c, fs, slin, k);
        chunk_use(c, fd, dlin, k);
        flags_set(c, LF_SUB, sz, a, b, (a - b) & sz_mask(sz));
        *stop = (a == b) != want_eq;
        return k;
    }
    }
}

static inline __attribute__((always_inline)) void string_op(struct cpu *c, struct insn *i,
                                                            int kind, unsigned size)
{
    const bool a32 = i->a32;
    const uint32_t amask = a32 ? 0xFFFFFFFFu : 0xFFFFu;
    const uint32_t step = (c->eflags & FL_DF) ? (uint32_t)-(int32_t)size : size;
    const unsigned sz = size == 1 ? 0 : size == 2 ? 1 : 2;
    const int src = i->seg;
    const uint16_t port = (uint16_t)c->gpr[R_EDX];
    uint32_t done = 0;

    for (;;) {
        uint32_t count = c->gpr[R_ECX] & amask;
        if (i->rep && !count)
            return;
        uint32_t si = c->gpr[R_ESI] & amask, di = c->gpr[R_EDI] & amask;
        bool stop = false;
        /* an element loop would stop after one element when an interrupt is wanted (for
         * instance right after STI): the chunk must not run then */
        if ((kind == S_MOVS || kind == S_STOS || kind == S_SCAS || kind == S_CMPS) && i->rep &&
            !cpu_break_wanted(c)) {
            uint32_t n = string_chunk(c, i, kind, size, si, di,
                                      count < REP_CHUNK - done ? count : REP_CHUNK - done, &stop);
            if (n) {
                uint32_t adv = (uint32_t)((int32_t)step * (int32_t)n);
                if (kind == S_MOVS || kind == S_CMPS) {
                    if (a32)
                        c->gpr[R_ESI] = si + adv;
                    else
                        set_r16(c, R_ESI, (uint16_t)(si + adv));
                }
                if (a32)
                    c->gpr[R_EDI] = di + adv;
                else
                    set_r16(c, R_EDI, (uint16_t)(di + adv));
                count -= n;
                if (a32)
                    c->gpr[R_ECX] = count;
                else
                    set_r16(c, R_ECX, (uint16_t)count);
                done += n - 1; /* the check below counts the last one */
                goto after_element;
            }
        }
        switch (kind) {
        case S_MOVS:
            seg_write(c, SEG_ES, di, size, seg_read(c, src, si, size));
            break;
        case S_CMPS: {
            uint32_t a = seg_read(c, src, si, size), b = seg_read(c, SEG_ES, di, size);
            uint32_t r = (a - b) & sz_mask(sz);
            flags_set(c, LF_SUB, sz, a, b, r);
            stop = (i->rep == 0xF3) ? r != 0 : r == 0;
            break;
        }
        case S_STOS:
            seg_write(c, SEG_ES, di, size, c->gpr[R_EAX]);
            break;
        case S_LODS: {
            set_acc(c, size, seg_read(c, src, si, size));
            break;
        }
        case S_SCAS: {
            uint32_t a = c->gpr[R_EAX] & sz_mask(sz), b = seg_read(c, SEG_ES, di, size);
            uint32_t r = (a - b) & sz_mask(sz);
            flags_set(c, LF_SUB, sz, a, b, r);
            stop = (i->rep == 0xF3) ? r != 0 : r == 0;
            break;
        }
        case S_INS: {
            cpu_check_io(c, port, size);
            /* the destination is checked before the port is read (386 manual "INS") */
            mem_check_write(c, SEG_ES, di, size);
            seg_write(c, SEG_ES, di, size, core_port_in(c, port, size));
            break;
        }
        default: { /* S_OUTS */
            cpu_check_io(c, port, size);
            uint32_t v = seg_read(c, src, si, size);
            core_port_out(c, port, size, v);
            break;
        }
        }
        if (kind == S_MOVS || kind == S_CMPS || kind == S_LODS || kind == S_OUTS) {
            if (a32)
                c->gpr[R_ESI] = si + step;
            else
                set_r16(c, R_ESI, (uint16_t)(si + step));
        }
        if (kind != S_LODS && kind != S_OUTS) {
            if (a32)
                c->gpr[R_EDI] = di + step;
            else
                set_r16(c, R_EDI, (uint16_t)(di + step));
        }
        if (!i->rep)
            return;
        count--;
        if (a32)
            c->gpr[R_ECX] = count;
        else
            set_r16(c, R_ECX, (uint16_t)count);
    after_element:
        if (!count || ((kind == S_CMPS || kind == S_SCAS) && stop))
            return;
        if (unlikely(cpu_break_wanted(c) || ++done >= REP_CHUNK)) {
            c->eip = c->insn_eip; /* resume here after the interrupt */
            c->icount--;          /* not retired yet: the step loop counts it anyway */
            if (done >= REP_CHUNK)
                cpu_rep_yield(c);
            return;
        }
    }
}

#define STRING_OPS(name, kind)                                                   \
    void op_##name##b(struct cpu *c, struct insn *i) { string_op(c, i, kind, 1); } \
    void op_##name##v(struct cpu *c, struct insn *i)                               \
    {                                                                              \
        if (i->op32)                                                               \
            string_op(c, i, kind, 4);                                              \
        else                                                                       \
            string_op(c, i, kind, 2);                                              \
    }

STRING_OPS(movs, S_MOVS)
STRING_OPS(cmps, S_CMPS)
STRING_OPS(stos, S_STOS)
STRING_OPS(lods, S_LODS)
STRING_OPS(scas, S_SCAS)
STRING_OPS(ins, S_INS)
STRING_OPS(outs, S_OUTS)
