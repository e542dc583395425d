/* Running decoded instructions: the fast run loop and the one-instruction entry.
 *
 * The run loop is one function with every handler body inlined at a label of its own and
 * dispatch by computed goto (`goto *label[d->op]`), each handler ending in its own copy of
 * the "next instruction" step. The loop's state (EIP, the window offset, the entry, the
 * budget) stays in host registers: no call and no return per guest instruction, and the
 * branch predictor sees one indirect jump per handler, which learns the successors that
 * guest code has.
 *
 * Per instruction it does what cpu_exec_insn_cached (dcache.h) does: the replacement
 * policy's use of the code page's TLB entry, the byte check of the entry, EIP moved past
 * the instruction, the handler. After a register-only record (dc_ops.h) the loop knows that
 * nothing but EIP, the registers and the flags changed, and skips what that implies: the
 * TLB use (the code page's entry is still the one used last), c->insn_eip (set only before
 * records that can fault or touch memory), and the pending/MMU checks. Each entry names the slot where the next instruction
 * probably sits (fall-through, taken branch), so the next entry is found without hashing
 * its address; a wrong guess only costs a decode, since the bytes are checked anyway.
 *
 * The loop goes back to the step loop (cpu.c) when the budget is spent, when c->pending
 * changes (an observer asked to stop, say), after any instruction the interpreter ran
 * (it may have changed CS, CPL, IF, TF, the window: everything the loop keeps in
 * registers), and when the next instruction is not in the open window or the MMU epoch
 * moved (a TLB eviction may have taken the code page's entry). */
#include "cpu/dc_ops_ctrl.h"
#include "cpu/dc_ops_data.h"
#include "cpu/pending.h"

void dc_exec(struct cpu *c, const struct dinsn *d)
{
    switch (d->op) {
    case DC_OP_miss: dc_miss(c, d); break;
    case DC_OP_interp: dc_interp(c, d); break;
#define DC_CASE(name) case DC_OP_##name: name(c, d); break;
    DC_HANDLERS(DC_CASE)
#undef DC_CASE
#define DC_FCASE(name, first) case DC_OP_##name: first(c, d); break; /* one instruction */
    DC_FUSED(DC_FCASE)
#undef DC_FCASE
    default: break;
    }
}

void dc_run(struct cpu *c, uint64_t limit)
{
#define DC_LABEL(name) &&L_##name,
#define DC_FLABEL(name, first) &&L_##name,
    static const void *const label[DC_OP_COUNT] = {&&L_miss, &&L_interp, DC_HANDLERS(DC_LABEL)
                                                   DC_FUSED(DC_FLABEL)};
#undef DC_LABEL
#undef DC_FLABEL
    struct dcache *dc = c->internal;
    struct mmu *m = c->mmu;
    struct dinsn *d = NULL;
    const uint8_t *p;
    uint32_t eip, off, last, epoch, pend, len, next;
    int32_t code_tlb;

outer:
    if (c->icount >= limit || boundary_due(c))
        return;
    {
        const struct cpu_seg *cs = &c->seg[SEG_CS];
        eip = c->eip;
        off = cs->base + eip - c->fw_lin;
        if (unlikely(!((uint64_t)off + 16 <= c->fw_n && cpu_fw_current(c) &&
                       c->fw_limit == cs->limit && c->fw_cpl == c->cpl))) {
            c->insn_eip = eip;
            cpu_exec_insn_decode(c); /* also reopens the window */
            c->icount++;
            d = NULL;
            goto outer;
        }
    }
    last = c->fw_n - 16;
    epoch = c->fw_epoch;
    pend = c->pending;
    code_tlb = c->fw_tlb_index;
    if (!d)
        d = dc_slot(dc, c->fw_host + off);

dispatch:
    if (code_tlb >= 0 && code_tlb != m->tlb_mru)
        mmu_tlb_touch(m, code_tlb);
    /* After a register-only record the code page's entry is still the one used last (no
     * other entry was used since), so the replacement policy has nothing to see: */
dispatch_after_reg:
    p = c->fw_host + off;
    if (unlikely(!dc_match(d, p)))
        dc_decode(c, p, d);
    /* EIP moves on before the handler runs, from a register */
    len = d->len;
    next = eip + len;
    c->eip = next;
    goto *label[d->op];

/* After a handler: the next entry, then straight on unless something needs the checks of
 * the outer part. */
#define DC_NEXT_JUMP(mem)                                                                \
    do {                                                                                 \
        uint64_t ic = c->icount + 1;                                                     \
        c->icount = ic;                                                                  \
        if (likely(c->eip == next)) {                                                    \
            d += d->next;                                                                \
            eip = next;                                                                  \
            off += len;                                                                  \
        } else {                                                                         \
            uint32_t delta = c->eip - eip;                                               \
            eip += delta;                                                                \
            off += delta;                                                                \
            if (delta != len + d->imm) {                                                 \
                d = NULL; /* an indirect transfer: look the target up */                 \
                goto outer;                                                              \
            }                                                                            \
            d += d->taken;                                                               \
        }                                                                                \
        if (!(mem)) {                                                                    \
            if (unlikely((off > last) | (ic >= limit)))                                  \
                goto outer;                                                              \
            goto dispatch_after_reg;                                                     \
        } else if (unlikely((off > last) | (ic >= limit) | (c->pending != pend) |        \
                            (m->epoch != epoch))) {                                      \
            if (off > last || ic >= limit || c->pending != pend || !cpu_fw_current(c))   \
                goto outer;                                                              \
            epoch = m->epoch;                                                            \
        }                                                                                \
        goto dispatch;                                                                   \
    } while (0)
#define DC_NEXT() DC_NEXT_JUMP(1)

/* The same for a memory handler, which leaves EIP where the dispatch put it. */
#define DC_NEXT_MEM()                                                                    \
    do {                                                                                 \
        c->icount++;                                                                     \
        d += d->next;                                                                    \
        eip = next;                                                                      \
        off += len;                                                                      \
        if (unlikely((off > last) | (c->icount >= limit) | (c->pending != pend) |        \
                     (m->epoch != epoch))) {                                             \
            if (off > last || c->icount >= limit || c->pending != pend ||                \
                !cpu_fw_current(c))                                                      \
                goto outer;                                                              \
            epoch = m->epoch;                                                            \
        }                                                                                \
        goto dispatch;                                                                   \
    } while (0)

/* And for a register handler, which cannot have changed the MMU or c->pending either. */
#define DC_NEXT_REG()                                                                    \
    do {                                                                                 \
        c->icount++;                                                                     \
        d += d->next;                                                                    \
        eip = next;                                                                      \
        off += len;                                                                      \
        if (unlikely((off > last) | (c->icount >= limit)))                               \
            goto outer;                                                                  \
        goto dispatch_after_reg;                                                         \
    } while (0)

/* c->insn_eip (where a fault restarts, what observers of an event see) is set only before
 * records that can fault or touch memory: a register-only record can do neither. */
#define DC_BLOCK_REG(name) \
    L_##name:              \
    name(c, d);            \
    DC_NEXT_REG();
#define DC_BLOCK_MEM(name) \
    L_##name:              \
    c->insn_eip = eip;     \
    name(c, d);            \
    DC_NEXT_MEM();
#define DC_BLOCK_JUMP(name) \
    L_##name:               \
    c->insn_eip = eip;      \
    name(c, d);             \
    DC_NEXT_JUMP(0);
#define DC_BLOCK_CTRL(name) \
    L_##name:               \
    c->insn_eip = eip;      \
    name(c, d);             \
    DC_NEXT();
    DC_REG_HANDLERS(DC_BLOCK_REG)
    DC_MEM_HANDLERS(DC_BLOCK_MEM)
    DC_JUMP_HANDLERS(DC_BLOCK_JUMP)
    DC_STACK_HANDLERS(DC_BLOCK_CTRL)
#undef DC_BLOCK_REG
#undef DC_BLOCK_MEM
#undef DC_BLOCK_CTRL
#undef DC_BLOCK_JUMP

/* A fused pair: the first instruction, the boundary (it retires; the budget may end
 * here), then the Jcc as its own instruction. */
#define DC_BLOCK_FUSED(name, first)                                                     \
    L_##name:                                                                           \
    first(c, d);                                                                        \
    if (unlikely(++c->icount >= limit)) {                                               \
        d = NULL;                                                                       \
        goto outer;                                                                     \
    }                                                                                   \
    c->insn_eip = next;                                                                 \
    len += d->len2;                                                                     \
    next = eip + len;                                                                   \
    c->eip = next;                                                                      \
    if (dc_cond(c, d->cc))                                                              \
        dc_jump(c, next + d->imm);                                                      \
    DC_NEXT_JUMP(0); /* no memory touched by either */
    DC_FUSED(DC_BLOCK_FUSED)
#undef DC_BLOCK_FUSED

L_miss:
    /* an empty slot: decode into it and dispatch again */
    dc_decode(c, p, d);
    len = d->len;
    next = eip + len;
    c->eip = next;
    goto *label[d->op];

L_interp:
    /* the interpreter may change anything the loop keeps: back to the outer part */
    c->insn_eip = eip;
    dc_interp(c, d);
    c->icount++;
    d = NULL;
    goto outer;
#undef DC_NEXT
#undef DC_NEXT_JUMP
#undef DC_NEXT_MEM
#undef DC_NEXT_REG
}
