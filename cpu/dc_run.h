/* The block run loop's body (cpu/dc_exec.c has the overview), included there twice: as
 * DC_RUN_NAME with DC_RUN_TOUCH 1 for replacement policies that want the code page's entry
 * used again after a data access (LRU, PLRU: the MMU's touch_on_hit), and 0 for the others,
 * which then test nothing about it after each record. Not a header of its own. */
static void DC_RUN_NAME(struct cpu *c, uint64_t limit)
{
#define DC_LABEL(name) &&B_##name,
#define DC_LABEL_FLAT(name) &&B_##name##_flat,
#define DC_FLABEL(name, first) &&B_##name,
#define DC_FLABEL_Z(name, first) &&B_##name##_z, &&B_##name##_nz,
#define DC_FLABEL_L(name, first) &&B_##name##_loop,
#define DC_FLABEL_ZL(name, first) &&B_##name##_z_loop, &&B_##name##_nz_loop,
#define DC_TABLE(flat, fused, fused_z)                                                  \
    {&&B_single, &&B_single, DC_REG_HANDLERS(DC_LABEL) DC_MEM_FLAT_HANDLERS(flat)      \
     DC_MEM_OTHER_HANDLERS(DC_LABEL) DC_CTRL_HANDLERS(DC_LABEL) DC_FUSED(fused)        \
     DC_FUSED(fused_z) &&B_end}
    /* [flat][loop]: every op's handler; with loop, the fused pairs' versions for the last
     * record of a block that loops onto itself (dblock.h, loop); with flat, the versions of
     * DC_MEM_FLAT_HANDLERS for a segment known to be flat (dc_ops.h, struct dc_acc) */
    static const void *const label[2][2][DC_OP_COUNT + 1] = {
        {DC_TABLE(DC_LABEL, DC_FLABEL, DC_FLABEL_Z),
         DC_TABLE(DC_LABEL, DC_FLABEL_L, DC_FLABEL_ZL)},
        {DC_TABLE(DC_LABEL_FLAT, DC_FLABEL, DC_FLABEL_Z),
         DC_TABLE(DC_LABEL_FLAT, DC_FLABEL_L, DC_FLABEL_ZL)}};
#undef DC_TABLE
#undef DC_LABEL
#undef DC_LABEL_FLAT
#undef DC_FLABEL
#undef DC_FLABEL_Z
#undef DC_FLABEL_L
#undef DC_FLABEL_ZL
    if (unlikely(!c)) { /* (dc_run_label: the handlers' addresses, once) */
        for (int flat = 0; flat < 2; flat++)
            for (int loop = 0; loop < 2; loop++)
                dc_run_labels[DC_RUN_TOUCH][flat][loop] = label[flat][loop];
        return;
    }
    struct dbtab *bt = ((struct dcache *)c->internal)->blocks;
    struct mmu *m = c->mmu;
    const bool touch = DC_RUN_TOUCH; /* m->touch_on_hit, which dc_run tested */
    struct dblock *b, **link;
    const struct dinsn *d;
    const uint8_t *p;
    uint32_t eip0, off0, epoch, pend;
    uint64_t cseq; /* (icount at the running block's start: c->db_ic0) */
    int32_t code_tlb;

outer:
    if (c->icount >= limit || boundary_due(c)) {
        m->watch_len = 0;
        return;
    }
    {
        const struct cpu_seg *cs = &c->seg[SEG_CS];
        eip0 = c->eip;
        off0 = cs->base + eip0 - c->fw_lin;
        if (unlikely(!((uint64_t)off0 + 16 <= c->fw_n && cpu_fw_current(c) &&
                       c->fw_limit == cs->limit && c->fw_cpl == c->cpl))) {
            /* a new code page, or its TLB entry was evicted: translate it as the fetch
             * would and go on here, or let the interpreter take this instruction */
            if (!cpu_fw_possible(m) || !decode_reopen_window(c))
                goto interpret;
            off0 = cs->base + eip0 - c->fw_lin;
        }
    }
    dc_seg_forget(c);
    epoch = c->fw_epoch;
    pend = c->pending;
    code_tlb = c->fw_tlb_index;
    b = NULL;
    link = NULL;

lookup:
    /* eip0/off0: the next instruction, with 16 bytes of the open window from it; b: a guess,
     * link: where the guess came from */
    p = c->fw_host + off0;
    if (!b || !db_match(b, p)) {
        b = db_slot(bt, p);
        if (!db_match(b, p))
            b = db_build(c, b, p, c->fw_n - off0);
        if (link)
            *link = b;
    }
    if (unlikely(b->n == 0))
        goto interpret; /* (it may change anything the loop keeps) */
    if (unlikely(b->flat & c->dc_notflat))
        db_flat_entry(c, b); /* its flat segments learnt, or its records made general */
    if (unlikely((uint64_t)off0 + b->span > c->fw_n || c->icount + b->n > limit)) {
        /* one instruction on its own, then the checks of the outer part */
        c->insn_eip = eip0;
        cpu_exec_insn_cached(c);
        c->icount++;
        goto outer;
    }
    if (touch && code_tlb >= 0 && code_tlb != m->tlb_mru)
        mmu_tlb_touch(m, code_tlb);
    c->db_eip0 = eip0;
    c->db_ic0 = c->icount;
    m->slow_seq = 0; /* "an access left the fast path since": tested for non-zero below */
    cseq = m->code_seq;
    m->watch_lo = (uintptr_t)p - 3; /* a write of up to 4 bytes that overlaps the block */
    m->watch_len = b->nbytes + 3u;
    d = b->d;
    goto *d->run[DC_RUN_TOUCH];

/* Before a stack or control record: where it restarts (and what observers of its events
 * see), where it goes on, what has retired. A data record sets none of it: nothing reads
 * c->eip before it is done, and its accesses set insn_eip and icount themselves when they
 * leave the fast path (dc_ops.h: dc_sync, from c->db_eip0/db_ic0). */
#define DB_SYNC()                                       \
    do {                                                \
        uint32_t at = eip0 + d->eoff;                   \
        c->insn_eip = at;                               \
        c->eip = at + d->len;                           \
        c->icount = c->db_ic0 + d->idx;                 \
    } while (0)

/* After a record that touched memory (not a control transfer): the code page's entry gets
 * the next instruction's fetch use if another entry was used since (only LRU and PLRU
 * look), unless the block ends here (the next block's entry does it, if the budget lets the
 * next instruction run at all); if the access left the fast path, what it may have changed
 * is checked before the next record (DB_CHECK_SLOW; a data record's handler says when its
 * accesses may have: see DB_MEM). */
#define DB_AFTER_MEM()     \
    do {                   \
        DB_TOUCH_CODE();   \
        DB_CHECK_SLOW();   \
    } while (0)
#define DB_TOUCH_CODE()                                                                  \
    do {                                                                                 \
        if (touch && code_tlb >= 0 && code_tlb != m->tlb_mru && d[1].op != DB_OP_END)    \
            mmu_tlb_touch(m, code_tlb);                                                  \
    } while (0)
#define DB_CHECK_SLOW()                                                                  \
    do {                                                                                 \
        if (unlikely(m->slow_seq != 0)) {                                                \
            m->slow_seq = 0;                                                             \
            if (c->pending != pend)                                                      \
                goto leave_after;                                                        \
            if (m->code_seq != cseq) {                                                   \
                if (!db_match(b, p))                                                     \
                    goto leave_after;                                                    \
                cseq = m->code_seq;                                                      \
            }                                                                            \
            if (m->epoch != epoch) {                                                     \
                if (!cpu_fw_current(c))                                                  \
                    goto refetch;                                                        \
                epoch = m->epoch;                                                        \
            }                                                                            \
        }                                                                                \
    } while (0)

#define DB_REG(name)        \
    B_##name:               \
    name(c, d);             \
    d++;                    \
    goto *d->run[DC_RUN_TOUCH];
/* A data record: the checks of DB_CHECK_SLOW only when one of its accesses left the fast
 * path (a.left), which the compiler knows to be false on the way from a fast hit, so that the
 * fast way goes straight on to the next record. */
#define DB_MEM_AS(name, sfx, is_flat)                                            \
    B_##name##sfx: {                                                             \
        struct dc_acc a = {.left = false, .touch = touch, .flat = is_flat};      \
        name(c, d, &a);                                                          \
        DB_TOUCH_CODE();                                                         \
        if (unlikely(a.left))                                                    \
            DB_CHECK_SLOW();                                                     \
    }                                                                            \
    d++;                                                                         \
    goto *d->run[DC_RUN_TOUCH];
#define DB_MEM(name) DB_MEM_AS(name, , false)
#define DB_MEM_FLAT(name) DB_MEM_AS(name, , false) DB_MEM_AS(name, _flat, true)
/* The stack records: PUSH/POP/LEAVE go on within the block like memory records; the others
 * (CALL, RET, indirect JMP and CALL) are control transfers that end it. */
#define DB_STACK(name)                          \
    B_##name:                                   \
    DB_SYNC();                                  \
    name(c, d);                                 \
    if (db_ends_block(DC_OP_##name))            \
        goto transfer_mem;                      \
    DB_AFTER_MEM();                             \
    d++;                                        \
    goto *d->run[DC_RUN_TOUCH];
#define DB_JUMP(name)       \
    B_##name:               \
    DB_SYNC();              \
    name(c, d);             \
    goto transfer;
    DC_REG_HANDLERS(DB_REG)
    DC_MEM_FLAT_HANDLERS(DB_MEM_FLAT)
    DC_MEM_OTHER_HANDLERS(DB_MEM)
    DC_STACK_HANDLERS(DB_STACK)
    DC_JUMP_HANDLERS(DB_JUMP)
#undef DB_REG
#undef DB_MEM
#undef DB_MEM_FLAT
#undef DB_MEM_AS
#undef DB_STACK
#undef DB_JUMP

/* A fused pair: the first instruction (register-only), the boundary (it retires), then the
 * Jcc as its own instruction; taken, to 'taken': fused_taken, or loop_taken for the _loop
 * versions, which end a block that loops onto itself. */
#define DB_FUSED_AS(name, first, sfx, taken)                            \
    B_##name##sfx:                                                      \
    first(c, d);                                                        \
    if (dc_cond(c, d->cc))                                              \
        goto taken;                                                     \
    c->eip = eip0 + d->eoff + d->len + d->len2;                         \
    goto transfer_fall;                                                 \
    B_##name##_z##sfx: /* JZ, JNZ: a 32-bit result */                   \
    first(c, d);                                                        \
    if (c->lf.res == 0)                                                 \
        goto taken;                                                     \
    c->eip = eip0 + d->eoff + d->len + d->len2;                         \
    goto transfer_fall;                                                 \
    B_##name##_nz##sfx:                                                 \
    first(c, d);                                                        \
    if (c->lf.res != 0)                                                 \
        goto taken;                                                     \
    c->eip = eip0 + d->eoff + d->len + d->len2;                         \
    goto transfer_fall;
#define DB_FUSED(name, first)                                           \
    DB_FUSED_AS(name, first, , fused_taken)                             \
    DB_FUSED_AS(name, first, _loop, loop_taken)
    DC_FUSED(DB_FUSED)
#undef DB_FUSED
#undef DB_FUSED_AS

loop_taken:
    {
        /* back to the block's own start, which is within the CS limit (it has just run
         * and nothing in a block loads CS): again, without a lookup, if the budget holds
         * another pass. Its bytes, the window and pending work are as they were at its
         * start: every record that may have changed them (slow_seq moved) was followed by
         * their checks, which left the block or found them unchanged (DB_AFTER_MEM), and
         * the pair itself touches no memory. */
        uint64_t ic1 = c->db_ic0 + b->n;
        if (likely(ic1 + b->n <= limit)) {
            c->db_ic0 = ic1; /* (c->eip is not read while the block runs: it is set on
                              * leaving) */
            goto again;
        }
        c->eip = eip0;
        goto transfer_taken;
    }

fused_taken:
    {
        /* the Jcc of a fused pair jumps: #GP(0) beyond the CS limit, as dc_jump */
        uint32_t at = eip0 + d->eoff + d->len, target = at + d->len2 + d->imm;
        if (unlikely(target > c->seg[SEG_CS].limit)) {
            c->icount = c->db_ic0 + d->idx + 1;
            c->insn_eip = at;
            c->eip = at + d->len2;
            cpu_raise(c, EXC_GP, 0);
        }
        c->eip = target;
        goto transfer_taken;
    }

B_end:
    /* the block ran to its end without a transfer: straight on */
    c->icount = c->db_ic0 + b->n;
    eip0 += b->nbytes;
    c->eip = eip0;
    off0 += b->nbytes;
    link = &b->fall;
    b = b->fall;
    goto next;

transfer_mem:
    /* a control transfer that touched memory: the checks after a memory record first (its
     * block ends here, so the block's bytes no longer matter) */
    if (unlikely(m->slow_seq != 0)) {
        if (c->pending != pend)
            goto leave_transfer;
        if (m->epoch != epoch) {
            if (!cpu_fw_current(c))
                goto leave_transfer;
            epoch = m->epoch;
        }
    }
transfer:
    /* d: the block's last record, which has run; c->eip: where it went */
    {
        uint32_t next = eip0 + d->eoff + d->len + d->len2;
        if (c->eip == next)
            goto transfer_fall;
        if (c->eip == next + d->imm)
            goto transfer_taken;
        c->icount = c->db_ic0 + b->n;
        link = NULL; /* an indirect transfer: look the target up */
        b = NULL;
        goto transfer_to;
    }
transfer_fall:
    c->icount = c->db_ic0 + b->n;
    link = &b->fall;
    b = b->fall;
    goto transfer_to;
transfer_taken:
    c->icount = c->db_ic0 + b->n;
    if (c->eip == eip0 && m->slow_seq == 0 && c->icount + b->n <= limit) {
        /* a loop onto itself, and nothing has written into it since its bytes were last
         * compared (such a write moves slow_seq): again, without the lookup */
        c->db_ic0 = c->icount;
    again:
        /* the same block once more, from its first record; c->db_ic0: icount at its start
         * (the code page's entry gets the first fetch's use, as on entry) */
        if (touch && code_tlb >= 0 && code_tlb != m->tlb_mru)
            mmu_tlb_touch(m, code_tlb);
        d = b->d;
        goto *d->run[DC_RUN_TOUCH];
    }
    link = &b->taken;
    b = b->taken;
transfer_to:
    off0 += c->eip - eip0;
    eip0 = c->eip;
next:
    if (unlikely(c->icount >= limit || (uint64_t)off0 + 16 > c->fw_n))
        goto outer; /* the budget is spent, or the next instruction is not in the window */
    goto lookup;

leave_transfer:
    c->icount = c->db_ic0 + b->n;
    goto outer;
refetch:
    /* Record d (it retired) made the code page's TLB entry leave the TLB (its access
     * evicted it). The next instruction's fetch translates the page again, here as the
     * outer part would (the same miss, walk and fill at the same point, after the same
     * checks). When the block's bytes are then where they were in the new window, the
     * block goes on from the next record: nothing else that the outer part checks has
     * changed within it (the budget holds the block, pending work and the bytes are
     * checked). Otherwise the outer part takes over at the next instruction, with the
     * window already open. */
    {
        uint32_t at = eip0 + d->eoff + d->len;
        c->icount = c->db_ic0 + d->idx + 1;
        c->eip = at;
        if (c->icount >= limit || boundary_due(c))
            goto outer; /* which returns: the next instruction's fetch is not made yet */
        bool same;
        if (!cpu_fw_possible(m) || !decode_refetch_window(c, &same)) {
            eip0 = at; /* as the outer part: the interpreter takes it */
            goto interpret;
        }
        if (!same) {
            uint32_t off = c->seg[SEG_CS].base + eip0 - c->fw_lin;
            if (c->fw_host + off != p || (uint64_t)off + b->span > c->fw_n)
                goto outer;
            off0 = off;
        }
        if (c->pending != pend || (m->code_seq != cseq && !db_match(b, p)))
            goto outer;
        m->slow_seq = 0;
        cseq = m->code_seq;
        epoch = c->fw_epoch;
        code_tlb = c->fw_tlb_index;
    }
    d++;
    goto *d->run[DC_RUN_TOUCH];
interpret:
    /* the instruction at eip0 (= c->eip), for the interpreter */
    c->insn_eip = eip0;
    cpu_exec_insn_decode(c);
    c->icount++;
    goto outer;
leave_after:
    /* something to look at after record d (it retired) */
    c->icount = c->db_ic0 + d->idx + 1;
    c->eip = eip0 + d->eoff + d->len;
    goto outer;

B_single:
    /* not reached: a block holds neither of the single-record cache's own ops */
    c->insn_eip = eip0 + d->eoff;
    c->eip = c->insn_eip;
    cpu_exec_insn_decode(c);
    c->icount = c->db_ic0 + d->idx + 1;
    goto outer;
#undef DB_SYNC
#undef DB_AFTER_MEM
#undef DB_TOUCH_CODE
#undef DB_CHECK_SLOW
}

