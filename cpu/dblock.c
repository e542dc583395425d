/* Building blocks of decoded instructions (cpu/dblock.h). */
#include "cpu/dblock.h"

#include <stdlib.h>

struct dbtab *db_create(void)
{
    struct dbtab *t = aligned_alloc(64, sizeof(struct dbtab));
    if (t)
        memset(t, 0, sizeof *t); /* nw 0: every slot empty */
    return t;
}

void db_destroy(struct dbtab *t)
{
    free(t);
}

/* Whether op's handler has a version for a flat segment (dc_ops.h, DC_MEM_FLAT_HANDLERS). */
static bool db_op_flat(unsigned op)
{
    switch (op) {
#define DB_CASE(name) case DC_OP_##name:
        DC_MEM_FLAT_HANDLERS(DB_CASE)
#undef DB_CASE
        return true;
    default:
        return false;
    }
}

/* The records' handlers in both copies of the run loop, for its dispatch (struct dinsn,
 * run[]). With flat, a record that has a version for a flat segment gets it when its
 * segment is flat now, and b->flat says which segments the block so takes to be flat (the
 * run loop checks them on entry); without, every record tests its segment. */
static void db_handlers(const struct cpu *c, struct dblock *b, bool flat)
{
    b->flat = 0;
    for (unsigned i = 0; i < b->nrec; i++) {
        struct dinsn *d = &b->d[i];
        bool loop = b->loop && i == b->nrec - 1u;
        bool f = flat && db_op_flat(d->op) && dc_seg_flat_now(c, d->seg);
        if (f)
            b->flat |= (uint8_t)(1u << d->seg);
        d->run[0] = dc_run_label(0, d->op, loop, f);
        d->run[1] = dc_run_label(1, d->op, loop, f);
    }
}

struct dblock *db_build(const struct cpu *c, struct dblock *b, const uint8_t *p, uint32_t room)
{
    unsigned pos = 0, n = 0, k = 0, nrec; /* nrec: records, the END one included */
    b->nw = 0;
    b->loop = 0;
    b->fall = b->taken = NULL;
    /* every instruction decoded here has 16 bytes of the window behind its first byte */
    while (k < DB_MAX_INSN && pos + 16 <= room) { /* (room >= 16: the first one always) */
        struct dinsn *d = &b->d[k];
        if (!dc_decode(c, p + pos, d))
            break; /* the interpreter's: the block ends before it */
        unsigned len = d->len + d->len2, fused = d->len2 != 0;
        if (pos + len > DB_MAX_BYTES)
            break;
        d->eoff = (uint16_t)pos;
        d->idx = (uint8_t)n;
        pos += len;
        n += 1 + fused;
        k++;
        if (db_ends_block(d->op)) {
            /* a fused pair taken back to the block's start: target - first byte =
             * eoff + both lengths + the displacement, modulo 2^32 */
            b->loop = d->len2 != 0 && (uint32_t)(pos + d->imm) == 0;
            nrec = k;
            goto closed;
        }
    }
    if (k == 0) {
        /* the first instruction is the interpreter's: the block says so, keyed by the bytes
         * that led to that verdict (dc_decode), and runs nothing itself */
        pos = b->d[0].len;
        nrec = 0;
    } else {
        b->d[k] = (struct dinsn){.op = DB_OP_END, .eoff = (uint16_t)pos, .idx = (uint8_t)n};
        nrec = k + 1;
    }
closed:
    /* (the block keys on its own copy of the bytes below, so the records' key fields may
     * hold their handlers) */
    b->nrec = (uint8_t)nrec;
    db_handlers(c, b, true);
    b->nbytes = (uint16_t)pos;
    b->n = (uint8_t)n;
    unsigned nw = (pos + 7) / 8;
    memset(b->w, 0, sizeof b->w);
    memcpy(b->w, p, pos);
    unsigned tail_bytes = pos - 8 * (nw - 1);
    b->tail = tail_bytes == 8 ? ~0ull : (1ull << (8 * tail_bytes)) - 1;
    b->span = (uint16_t)(8 * nw);
    b->nw = (uint8_t)nw;
    return b;
}

void db_flat_entry(struct cpu *c, struct dblock *b)
{
    dc_seg_learn_set(c, b->flat & c->dc_notflat);
    if (!(b->flat & c->dc_notflat))
        return;
    db_handlers(c, b, false); /* a segment is not flat now: every record tests its own */
}
