/* Running decoded instructions: the block run loop and the one-instruction entry.
 *
 * The run loop executes blocks (cpu/dblock.h): straight runs of decoded records that end at
 * a control transfer. It is one function with every handler body inlined at a label of its
 * own and dispatch by computed goto (`goto *label[d->op]`); the next record of a block is
 * the next array element. Its state (the block's first EIP, its window offset, icount at
 * its start, the MMU's slow-access count) stays in host registers.
 *
 * Entering a block checks, once for all its instructions, what a single record would check
 * each time: the bytes (the block's copy against the code), that the block lies in the open
 * fetch window, and that the budget holds all of it. The code page's TLB entry gets its
 * replacement-policy use at entry and after every record that may have used another entry.
 * Then, per record:
 *  - register-only records (dc_ops.h) run with nothing around them: they change registers
 *    and flags, nothing else;
 *  - records that touch memory: a fault restarts at c->insn_eip and an observer sees
 *    c->icount, which their accesses set when they leave the MMU's fast path (dc_sync,
 *    from the block's start kept in c->db_eip0/db_ic0); if an access left the fast path
 *    or wrote into the block's bytes (mmu->slow_seq moved), the loop checks after the record
 *    what that may have changed: pending work (leave the block), the block's own bytes if
 *    guest memory may have been written (mmu->code_seq: self-modifying code, a page walk
 *    that set an A bit in a table sharing the code's frame), the code page's translation
 *    (the window);
 *  - a control transfer ends the block; the block that followed last time, along the same
 *    edge, is tried first for the next (a guess: its bytes are compared anyway).
 * Whatever a block cannot take (an instruction for the interpreter, the end of the window,
 * the last instructions of the budget) runs one instruction at a time through
 * cpu_exec_insn_cached (dcache.h), which does the same checks per instruction. The loop
 * returns to the step loop (cpu.c) when the budget is spent or something is pending. */
#include "cpu/dblock.h"
#include "cpu/dc_ops_ctrl.h"
#include "cpu/dc_ops_data.h"
#include "cpu/pending.h"

void dc_exec(struct cpu *c, const struct dinsn *d)
{
    c->db_eip0 = c->insn_eip; /* a single record: offset and index 0 (dc_sync) */
    c->db_ic0 = c->icount;
    switch (d->op) {
    case DC_OP_miss: dc_miss(c, d); break;
    case DC_OP_interp: dc_interp(c, d); break;
#define DC_CASE(name) case DC_OP_##name: name(c, d); break;
#define DC_MCASE(name) case DC_OP_##name: name(c, d, NULL); break; /* (no loop to tell) */
    DC_REG_HANDLERS(DC_CASE)
    DC_MEM_HANDLERS(DC_MCASE)
    DC_CTRL_HANDLERS(DC_CASE)
#undef DC_CASE
#undef DC_MCASE
#define DC_FCASE(name, first) /* one instruction */ \
    case DC_OP_##name: case DC_OP_##name##_z: case DC_OP_##name##_nz: first(c, d); break;
    DC_FUSED(DC_FCASE)
#undef DC_FCASE
    default: break;
    }
}

/* The label tables of the two copies of the run loop (dc_run.h), [copy][flat][loop], which
 * each hands over when called without a CPU. */
static const void *const *dc_run_labels[2][2][2];

/* The run loop, once per kind of replacement policy (dc_run.h). */
#define DC_RUN_NAME dc_run_plain
#define DC_RUN_TOUCH 0
#include "cpu/dc_run.h"
#undef DC_RUN_NAME
#undef DC_RUN_TOUCH
#define DC_RUN_NAME dc_run_touch
#define DC_RUN_TOUCH 1
#include "cpu/dc_run.h"
#undef DC_RUN_NAME
#undef DC_RUN_TOUCH

const void *dc_run_label(int k, unsigned op, bool loop, bool flat)
{
    if (!dc_run_labels[k][0][0]) {
        dc_run_plain(NULL, 0);
        dc_run_touch(NULL, 0);
    }
    return dc_run_labels[k][flat][loop][op];
}

void dc_run(struct cpu *c, uint64_t limit)
{
    if (c->mmu->touch_on_hit)
        dc_run_touch(c, limit);
    else
        dc_run_plain(c, limit);
}
