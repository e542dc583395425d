/* Blocks of decoded instructions: the unit the run loop (dc_exec.c) executes.
 *
 * A block is a straight run of decoded records (cpu/dcache.h) that ends at the first
 * control transfer (Jcc, JMP, CALL, RET, a fused compare-and-branch), before the first
 * instruction only the interpreter runs, or at DB_MAX_INSN records / DB_MAX_BYTES bytes.
 * It keeps a copy of its bytes: on entry the bytes at the current EIP are compared with the
 * copy, word by word, and a block is used only if they are equal. Like a single record, a
 * block is keyed by its bytes, not by its address, so nothing ever has to be invalidated:
 * self-modifying code, DMA, remapping and reused frames are seen at the next entry.
 *
 * Inside a block the instructions run without the per-instruction checks of a single
 * record (byte compare, window bounds, budget): entering a block needs the whole block in
 * the open fetch window and in the budget. What the block cannot know in advance is
 * watched for where it can happen: every access that leaves the MMU's fast path, and every
 * fast write into the running block's own bytes, bumps mmu->slow_seq, and the run loop
 * then re-checks, after that instruction, what such an access may have changed (pending
 * work, the code page's translation, the block's bytes). */
#ifndef PW_CPU_DBLOCK_H
#define PW_CPU_DBLOCK_H

#include "cpu/dc_ops.h"

#define DB_MAX_INSN 15
#define DB_MAX_BYTES 64
#define DB_BITS 12
#define DB_SIZE (1u << DB_BITS)

struct dblock {
    uint64_t w[DB_MAX_BYTES / 8]; /* the block's bytes; w[nw - 1] counts under 'tail' */
    uint64_t tail;                /* mask of the bytes of w[nw - 1] that belong to it */
    struct dblock *fall, *taken;  /* the blocks that followed last time (a guess: checked) */
    uint16_t nbytes;              /* bytes of its instructions */
    uint16_t span;                /* bytes from its start that must be in the fetch window */
    uint8_t nw;                   /* words to compare (0: an empty slot) */
    uint8_t n;                    /* instructions (a fused pair counts two); 0: the first
                                     one is the interpreter's */
    uint8_t loop;                 /* it ends in a fused pair whose jump goes back to its
                                     own first byte (db_build) */
    uint8_t nrec;                 /* records, the DB_OP_END one included */
    uint8_t flat;                 /* segment registers (bit i: enum seg i) that its memory
                                     records take to be flat (their _flat handlers), as they
                                     were when it was built: the run loop checks them on
                                     entry (db_flat_entry) */
    /* records, then one whose op is DB_OP_END unless the last is a control transfer */
    struct dinsn d[DB_MAX_INSN + 1] __attribute__((aligned(64)));
};

/* The record that ends a block which does not end in a control transfer. */
#define DB_OP_END DC_OP_COUNT

struct dbtab {
    struct dblock b[DB_SIZE];
};

struct dbtab *db_create(void);
void db_destroy(struct dbtab *t);
/* Builds the block that starts at p (32-bit code; 'room' bytes of the fetch window from p,
 * at least 16) into b and returns it. When the first instruction is one for the
 * interpreter, the block has no instructions (n = 0): it only remembers that verdict. */
struct dblock *db_build(const struct cpu *c, struct dblock *b, const uint8_t *p, uint32_t room);
/* On entry to b when a segment that its records take to be flat (b->flat) is not known to
 * be flat now (c->dc_notflat: the run loop forgets what it learnt whenever it starts over,
 * dc_seg_forget): learns those segments (dc_seg_learn), and if one is not flat, gives b's
 * records their general handlers, for good (b->flat 0). */
void db_flat_entry(struct cpu *c, struct dblock *b);

static inline struct dblock *db_slot(struct dbtab *t, const uint8_t *p)
{
    uintptr_t a = (uintptr_t)p;
    return &t->b[(a ^ (a >> DB_BITS)) & (DB_SIZE - 1)];
}

/* Whether b holds the instructions at p (b->span bytes readable there). */
static inline __attribute__((always_inline)) bool db_match(const struct dblock *b, const uint8_t *p)
{
    unsigned nw = b->nw;
    if (unlikely(nw == 0))
        return false;
    unsigned i = 0;
    uint64_t x;
    for (; i + 1 < nw; i++) {
        memcpy(&x, p + 8 * i, 8);
        if (x != b->w[i])
            return false;
    }
    memcpy(&x, p + 8 * i, 8);
    return ((x ^ b->w[i]) & b->tail) == 0;
}

/* Records that end a block: the control transfers. */
static inline bool db_ends_block(unsigned op)
{
    switch (op) {
#define DB_CASE(name) case DC_OP_##name:
        DC_CTRL_HANDLERS(DB_CASE)
#undef DB_CASE
        return op != DC_OP_d_push_r && op != DC_OP_d_pop_r && op != DC_OP_d_push_i &&
               op != DC_OP_d_push_m && op != DC_OP_d_leave;
#define DB_FCASE(name, first) case DC_OP_##name: case DC_OP_##name##_z: case DC_OP_##name##_nz:
        DC_FUSED(DB_FCASE)
#undef DB_FCASE
        return true;
    default:
        return false;
    }
}

#endif
