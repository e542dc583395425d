/* The decoded-instruction cache: each instruction of 32-bit code is decoded once into a
 * struct dinsn (handler, length, ModRM fields, effective-address recipe, immediate) and
 * run from there on, without prefix parsing, ModRM/SIB decoding or immediate fetches.
 *
 * Keyed by the instruction's bytes, not by its address. An entry sits in a direct-mapped
 * table indexed by the host address of the instruction's first byte and is used only when
 * the bytes there now are the bytes it was decoded from (two masked 64-bit compares). A
 * decode depends on nothing else (the default operand/address size is fixed at 32 bits:
 * the table serves 32-bit code only; the CPU model is fixed per CPU), so there is nothing
 * to invalidate: self-modifying code, DMA into code pages, page remapping and reused
 * frames are all seen at the next execution, exactly.
 *
 * It sits behind the fetch window (cpu/decode.h): an entry is looked up only when the code
 * page is open in the window, still valid (MMU epoch, CS limit, CPL) and at least 16 bytes
 * of it remain, so the whole instruction (at most 15 bytes) lies inside the page and the
 * CS limit and no fetch can fault; everything else goes to the byte-by-byte interpreter.
 * The replacement policy of the TLB sees the same use of the code page's entry per
 * instruction as before. Instructions without a decoded handler are cached too, as "use
 * the interpreter", so that looking them up costs the compare only. */
#ifndef PW_CPU_DCACHE_H
#define PW_CPU_DCACHE_H

#include "cpu/decode.h"

struct dbtab;


struct dinsn {
    union {
        struct {
            uint64_t bytes, mask; /* instruction bytes 0..7 and the mask of those that count */
        };
        const void *run[2]; /* in a block (cpu/dblock.h), which keys on a copy of its own
                               bytes: the record's handler in each copy of the run loop
                               (dc_run.h: plain, touch), for a dispatch without a table */
    };
    uint64_t bytes2, mask2;  /* bytes 8..15 */
    uint16_t op;             /* the handler (enum dc_op, dc_ops.h); a handler runs with
                                c->eip already past the instruction (c->insn_eip at it),
                                and only control transfers change it further */
    uint32_t imm;            /* immediate (sign- or zero-extended as the opcode says) */
    uint32_t disp;           /* displacement, or the whole offset for moffs forms */
    uint16_t eoff;           /* in a block (cpu/dblock.h): the instruction's offset from
                                the block's first byte */
    uint8_t len;             /* bytes in the key: the instruction length, or for an
                                "interpret" entry the bytes that led to that verdict */
    uint8_t reg, rm;         /* ModRM reg and r/m (or the register in the opcode) */
    uint16_t boff, ioff;     /* effective address: disp + base + (index << scale), the
                                registers given by their byte offsets in struct cpu (an
                                absent one reads c->ea_zero); 32-bit addressing only:
                                16-bit ModRM forms are the interpreter's */
    uint8_t scale;
    uint8_t seg;             /* segment of the memory operand */
    uint8_t cc;              /* condition code (Jcc, SETcc) or operation (groups) */
    uint8_t len2;            /* a fused pair (dc_ops.h): the Jcc's length; len is the first
                                instruction's, the key covers both */
    uint8_t idx;             /* in a block: instructions before this one in the block */
    uint8_t a16;             /* (while decoding: a 16-bit ModRM address was met) */
};

#define DC_BITS 14
#define DC_SIZE (1u << DC_BITS)
_Static_assert(sizeof(struct dinsn) <= 64, "a decoded instruction fills one cache line");

struct dcache {
    struct dinsn e[DC_SIZE];
    struct dbtab *blocks; /* the run loop's blocks of records (cpu/dblock.h) */
};

/* dc_exec.c: the address of op's handler in copy k of the block run loop (0 plain, 1
 * touch), for struct dinsn's run[]; loop: the version for the fused pair that ends a block
 * looping onto itself (cpu/dblock.h); flat: a memory handler's version for a segment known
 * to be flat (dc_ops.h, struct dc_acc). */
const void *dc_run_label(int k, unsigned op, bool loop, bool flat);

/* dc_decode.c */
struct dcache *dc_create(void);
void dc_destroy(struct dcache *dc);
/* The handler of empty slots: decodes the instruction at c->insn_eip (the fetch window is
 * open and holds 16 bytes there) into d, then runs it. */
void dc_miss(struct cpu *c, const struct dinsn *d);
/* Runs the instruction at c->insn_eip with the byte-by-byte interpreter. */
void dc_interp(struct cpu *c, const struct dinsn *d);
/* Fills d from the bytes at p (32-bit code); returns false for "interpret". */
bool dc_decode(const struct cpu *c, const uint8_t *p, struct dinsn *d);

/* dc_exec.c: runs one decoded instruction (c->eip already moved past it); and the fast run
 * loop, from CS:EIP until icount reaches limit or something needs the outer loop
 * (cpu.c: pending events, TF, code outside an open fetch window). */
void dc_exec(struct cpu *c, const struct dinsn *d);
void dc_run(struct cpu *c, uint64_t limit);

static inline uint32_t dc_index(uintptr_t a)
{
    return (uint32_t)((a ^ (a >> DC_BITS)) & (DC_SIZE - 1));
}
static inline struct dinsn *dc_slot(struct dcache *dc, const uint8_t *p)
{
    return &dc->e[dc_index((uintptr_t)p)];
}
/* Whether d holds the instruction whose bytes start at p (16 readable bytes). */
static inline bool dc_match(const struct dinsn *d, const uint8_t *p)
{
    uint64_t w0, w1;
    memcpy(&w0, p, 8);
    if ((w0 ^ d->bytes) & d->mask)
        return false;
    if (likely(!d->mask2)) /* most instructions are at most 8 bytes long */
        return true;
    memcpy(&w1, p + 8, 8);
    return !((w1 ^ d->bytes2) & d->mask2);
}

/* The segment checks of decode.h's seg_lin, decided for decoded instructions once per
 * segment register while they run (none of them changes a segment register, CPL, CR0 or
 * EFLAGS): dc_seg_forget before they start; the first access through a segment register
 * takes the long way and then records (dc_seg_learn, dc_decode.c) whether the next may
 * skip to the limit compare, or to no check at all (flat). A block whose records take a
 * segment to be flat learns it on entry (dblock.h: db_flat_entry). */
static inline void dc_seg_forget(struct cpu *c)
{
    memset(c->dc_seg_end, 0, sizeof c->dc_seg_end);
    c->dc_notflat = 0xFF;
    c->dc_user = cpu_user(c);
    c->dc_fast[PW_ACC_READ] = c->mmu->fast[PW_ACC_READ][c->dc_user];
    c->dc_fast[PW_ACC_WRITE] = c->mmu->fast[PW_ACC_WRITE][c->dc_user];
    c->dc_rquick = mmu_read_quick_of[c->dc_user];
}
void dc_seg_learn(struct cpu *c, int sreg);
/* The same for each segment register in set (bit i: enum seg i). */
void dc_seg_learn_set(struct cpu *c, unsigned set);
/* Whether dc_seg_learn would find sreg flat now (base 0, limit 4 GiB - 1, the fast case). */
bool dc_seg_flat_now(const struct cpu *c, int sreg);

/* The interpreter's entry for one instruction at CS:EIP (c->insn_eip is set). */
void cpu_exec_insn_decode(struct cpu *c);

static inline __attribute__((always_inline)) void cpu_exec_insn_cached(struct cpu *c)
{
    const struct cpu_seg *cs = &c->seg[SEG_CS];
    struct mmu *m = c->mmu;
    uint32_t off = cs->base + c->eip - c->fw_lin;
    if (likely((uint64_t)off + 16 <= c->fw_n && cpu_fw_current(c) &&
               c->fw_limit == cs->limit && c->fw_cpl == c->cpl)) {
        if (c->fw_tlb_index >= 0 && c->fw_tlb_index != m->tlb_mru)
            mmu_tlb_touch(m, c->fw_tlb_index);
        const uint8_t *p = c->fw_host + off;
        const struct dinsn *d = dc_slot(c->internal, p);
        dc_seg_forget(c);
        if (likely(dc_match(d, p))) {
            c->eip += d->len;
            dc_exec(c, d);
            return;
        }
        dc_miss(c, d);
        return;
    }
    cpu_exec_insn_decode(c);
}

#endif
