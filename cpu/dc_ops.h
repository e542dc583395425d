/* Handlers of decoded instructions (cpu/dcache.h): their list and the helpers they share.
 *
 * A handler runs one instruction described by a struct dinsn: it advances EIP by d->len
 * (or jumps), reads and writes operands through the same segment checks and MMU fast path
 * as the interpreter (cpu/decode.h), and records flags the same way (cpu/alu.h,
 * cpu/flags.h). Each one does exactly what the interpreter's handler for the same
 * instruction does, in the same order (a memory destination is read, then written, then
 * the flags change), so faults leave the same state. A handler that meets a case it does
 * not cover (a 16-bit stack, say) hands the instruction to the interpreter before it has
 * changed anything (dc_interp). */
#ifndef PW_CPU_DC_OPS_H
#define PW_CPU_DC_OPS_H

#include "cpu/alu.h"
#include "cpu/dcache.h"

/* Effective address: disp + base + (index << scale). An absent register reads the
 * CPU's constant zero, so no form needs a branch or a mask. */
static inline uint32_t dc_reg_at(const struct cpu *c, uint16_t off)
{
    uint32_t v;
    memcpy(&v, (const char *)c + off, 4);
    return v;
}
static inline uint32_t dc_ea(const struct cpu *c, const struct dinsn *d)
{
    return d->disp + dc_reg_at(c, d->boff) + (dc_reg_at(c, d->ioff) << d->scale);
}
/* The same without an index register (the decoder's _b records: d->ioff is the zero). */
static inline uint32_t dc_ea_b(const struct cpu *c, const struct dinsn *d)
{
    return d->disp + dc_reg_at(c, d->boff);
}

/* What a record owes whoever looks while one of its accesses is off the fast path (a #PF
 * or #GP handler, an observer of the MMU's events, a device): where it restarts
 * (insn_eip) and what has retired (icount). The run loop keeps a block's start in
 * c->db_eip0 and c->db_ic0 and sets nothing per record; d is the record (its offset and
 * index in the block), NULL for one that set both before it ran (stack and control
 * records). On the fast path nothing can look, so nothing is set there. */
static inline __attribute__((always_inline)) void dc_sync(struct cpu *c, const struct dinsn *d)
{
    if (d) {
        c->insn_eip = c->db_eip0 + d->eoff;
        c->icount = c->db_ic0 + d->idx;
    }
}

/* The MMU's fast slot of lin in its table for the running privilege (dc_seg_forget). */
static inline struct mmu_fast *dc_fast_slot(struct cpu *c, int acc, uint32_t lin)
{
    return (struct mmu_fast *)(void *)((char *)c->dc_fast[acc] + mmu_fast_offset(lin));
}

/* What a record's accesses share with the run loop (a memory handler's third argument;
 * NULL for stack and control records, which the loop checks after anyway). */
struct dc_acc {
    bool left;  /* set when an access left the fast path (see below) */
    bool touch; /* the MMU's touch_on_hit, a constant in each copy of the run loop */
    bool flat;  /* the record's segment is flat (dc_seg_flat): a constant in the run loop's
                   _flat copies of the memory handlers, which a block's records use for a
                   segment that was flat when it was built and which it checks on entry
                   (dblock.h, struct dblock: flat) */
};

/* A fast slot's use (mmu_fast_use), with the touch test decided by the run loop's copy. */
static inline __attribute__((always_inline)) uint8_t *dc_fast_use(struct cpu *c,
                                                                  struct mmu_fast *f,
                                                                  uint32_t lin,
                                                                  const struct dc_acc *a)
{
    return a ? mmu_fast_use_as(c->mmu, f, lin, a->touch) : mmu_fast_use(c->mmu, f, lin);
}

/* A segment learnt flat (dc_seg_learn: base 0, limit 4 GiB - 1, no other check): the offset
 * is the linear address and every access within 4 GiB is within the limit. One that wraps
 * past 4 GiB (off + n > 2^32) is beyond it; it crosses a page too, so that no fast slot
 * matches it, and dc_flat_within sends it the long way before a miss is made. */
static inline bool dc_seg_flat(const struct cpu *c, int sreg)
{
    return !((c->dc_notflat >> sreg) & 1);
}
static inline bool dc_flat_within(uint32_t off, unsigned n)
{
    return off <= UINT32_MAX - (n - 1); /* off + n <= 2^32 */
}

/* The segment register of an access, on a cold path: a _flat handler (a->flat) reads it
 * from the record there, so that its hot path, which does not need it, does not load it
 * (every access with a struct dc_acc goes through d->seg). */
static inline __attribute__((always_inline)) int dc_cold_sreg(const struct dinsn *d, int sreg,
                                                              const struct dc_acc *a)
{
    if (a && a->flat)
        return *(const volatile uint8_t *)&d->seg;
    return sreg;
}

/* Where a decoded access of n bytes at off through sreg goes: a fast hit (*f the slot that
 * matched), a miss of the fast table (*lin for the MMU), or the long way (the segment not
 * learnt, or the access beyond its limit). With crossing set, an access through a flat
 * segment that crosses a page is DC_CROSS, one that wraps past 4 GiB included (the caller
 * tells them apart); without, a wrap is DC_LONG and a crossing DC_MISS. */
enum dc_way { DC_HIT, DC_MISS, DC_LONG, DC_CROSS };
static inline bool dc_crosses(uint32_t lin, unsigned n)
{
    return (lin & ~PAGE_MASK) > PAGE_SIZE - n;
}
static inline __attribute__((always_inline)) enum dc_way dc_locate(struct cpu *c, int sreg,
                                                                   uint32_t off, unsigned n,
                                                                   int acc, bool crossing,
                                                                   bool known_flat,
                                                                   uint32_t *lin,
                                                                   struct mmu_fast **f)
{
    if (known_flat || likely(dc_seg_flat(c, sreg))) {
        *lin = off;
        *f = dc_fast_slot(c, acc, off);
        if (likely(mmu_fast_match(*f, off, n)))
            return DC_HIT;
        if (crossing) /* (a wrap past 4 GiB crosses a page) */
            return unlikely(dc_crosses(off, n)) ? DC_CROSS : DC_MISS;
        return likely(dc_flat_within(off, n)) ? DC_MISS : DC_LONG;
    }
    if (unlikely((uint64_t)off + n > c->dc_seg_end[sreg]))
        return DC_LONG;
    *lin = c->seg[sreg].base + off;
    *f = dc_fast_slot(c, acc, *lin);
    if (likely(mmu_fast_match(*f, *lin, n)))
        return DC_HIT;
    return crossing && unlikely(dc_crosses(*lin, n)) ? DC_CROSS : DC_MISS;
}

/* A read miss that the MMU's common case did not take (MMU_MISS_SLOW): the general path,
 * after dc_sync, since a fault or an observer may look; raises #PF. Returns the value. */
static __attribute__((noinline)) uint32_t dc_read_general(struct cpu *c, const struct dinsn *d,
                                                          uint32_t lin, unsigned size)
{
    dc_sync(c, d);
    uint64_t r = mmu_read_miss_general(c->mmu, lin, size, c->dc_user);
    if (r & MMU_MISS_FAULT)
        cpu_raise_pf(c);
    return (uint32_t)r;
}

/* mem_read8/16/32 and mem_write8/16/32 (decode.h) with the segment check learnt by
 * dc_seg_learn (dcache.h) and the MMU's fast slot tested here, so that dc_sync runs only
 * where something may look (off the fast path and off the common case of a read miss);
 * anything else takes those. Every way but the fast one says so (when
 * a is not NULL: a->left), so that the run loop looks at what an access off the fast path may
 * have changed only after those (dc_run.h, DB_MEM): a fast hit changes nothing it checks,
 * except a write into the running block's bytes, which sets it too. */
#define DC_DEFINE_MEM(bits)                                                                 \
    /* the long way (the segment not learnt, or its limit exceeded): out of line, so that   \
     * the records keep no value across it */                                               \
    static __attribute__((noinline)) uint##bits##_t dc_read##bits##_long(                   \
        struct cpu *c, int sreg, uint32_t off)                                              \
    {                                                                                       \
        uint##bits##_t v = mem_read##bits(c, sreg, off);                                    \
        dc_seg_learn(c, sreg);                                                              \
        return v;                                                                           \
    }                                                                                       \
    static __attribute__((noinline)) void dc_write##bits##_long(struct cpu *c, int sreg,    \
                                                               uint32_t off,                \
                                                               uint##bits##_t v)            \
    {                                                                                       \
        mem_write##bits(c, sreg, off, v);                                                   \
        dc_seg_learn(c, sreg);                                                              \
    }                                                                                       \
    static inline __attribute__((always_inline)) uint##bits##_t dc_read##bits(              \
        struct cpu *c, const struct dinsn *d, int sreg, uint32_t off, struct dc_acc *a)     \
    {                                                                                       \
        uint32_t lin;                                                                       \
        struct mmu_fast *f;                                                                 \
        enum dc_way way =                                                                   \
            dc_locate(c, sreg, off, (bits) / 8, PW_ACC_READ, true, a && a->flat, &lin, &f); \
        if (likely(way == DC_HIT))                                                          \
            goto hit;                                                                       \
        if (unlikely(way == DC_LONG))                                                       \
            goto longway;                                                                   \
        if (unlikely(way == DC_CROSS))                                                      \
            goto cross;                                                                     \
        {                                                                                   \
            /* the common case (within a page, which it need not test) needs no dc_sync     \
             * (nothing can look while it runs), and moves slow_seq only when it says so    \
             * (MMU_MISS_MOVED) */                                                          \
            uint64_t r = c->dc_rquick[(bits) / 16](c->mmu, lin); /* 0, 1, 2: 8, 16, 32 */   \
            if (unlikely(r >> 32)) {                                                        \
                if (a)                                                                      \
                    a->left = true;                                                         \
                if (r & MMU_MISS_SLOW) /* (lin in the low bits) */                          \
                    r = dc_read_general(c, d, (uint32_t)r, (bits) / 8);                     \
            }                                                                               \
            return (uint##bits##_t)r;                                                       \
        }                                                                                   \
    cross: /* across a page, or past 4 GiB through a flat segment (the long way: #GP) */    \
        if (((a && a->flat) || dc_seg_flat(c, sreg)) && !dc_flat_within(off, (bits) / 8))   \
            goto longway;                                                                   \
        if (a)                                                                              \
            a->left = true;                                                                 \
        return (uint##bits##_t)dc_read_general(c, d, lin, (bits) / 8);                     \
    hit: {                                                                                  \
        uint##bits##_t v;                                                                   \
        memcpy(&v, dc_fast_use(c, f, lin, a), (bits) / 8);                                  \
        return v;                                                                           \
    }                                                                                       \
    longway:                                                                                \
        if (a)                                                                              \
            a->left = true;                                                                 \
        dc_sync(c, d);                                                                      \
        return dc_read##bits##_long(c, dc_cold_sreg(d, sreg, a), off);                      \
    }                                                                                       \
    static inline __attribute__((always_inline)) void dc_write##bits(                       \
        struct cpu *c, const struct dinsn *d, int sreg, uint32_t off, uint##bits##_t v,     \
        struct dc_acc *a)                                                                   \
    {                                                                                       \
        uint32_t lin;                                                                       \
        struct mmu_fast *f;                                                                 \
        enum dc_way way =                                                                   \
            dc_locate(c, sreg, off, (bits) / 8, PW_ACC_WRITE, false, a && a->flat, &lin, &f); \
        if (likely(way == DC_HIT))                                                          \
            goto hit;                                                                       \
        if (unlikely(way == DC_LONG))                                                       \
            goto longway;                                                                   \
        if (a)                                                                              \
            a->left = true;                                                                 \
        dc_sync(c, d);                                                                      \
        if (unlikely(!mmu_write_miss##bits(c->mmu, lin, c->dc_user, v)))                    \
            cpu_raise_pf(c);                                                                \
        return;                                                                             \
    hit: {                                                                                  \
        uint8_t *h = dc_fast_use(c, f, lin, a);                                             \
        if (unlikely(mmu_fast_watch(c->mmu, h)) && a)                                       \
            a->left = true;                                                                 \
        memcpy(h, &v, (bits) / 8);                                                          \
        return;                                                                             \
    }                                                                                       \
    longway:                                                                                \
        if (a)                                                                              \
            a->left = true;                                                                 \
        dc_sync(c, d);                                                                      \
        dc_write##bits##_long(c, dc_cold_sreg(d, sreg, a), off, v);                         \
    }
DC_DEFINE_MEM(8)
DC_DEFINE_MEM(16)
DC_DEFINE_MEM(32)
#undef DC_DEFINE_MEM

/* The handler names, by family: the decoder (dc_decode.c) picks one per instruction.
 * Suffixes: rr register <- register, rm register <- memory, mr memory <- register,
 * ri register <- immediate, mi memory <- immediate; 8 for byte operands, else 32-bit; _b
 * for a memory operand without an index register (disp + base: the usual load and store). */
/* Register handlers touch no memory: they cannot change EIP, the MMU's state or anything
 * pending. Memory handlers cannot change EIP (it is moved past the instruction before they
 * run). Control handlers may change EIP; those that also
 * touch memory (the stack, an indirect operand) or hand the instruction to the interpreter
 * may change all of it. The run loop checks after each only what it can change. */
#define DC_HANDLERS(X) DC_REG_HANDLERS(X) DC_MEM_HANDLERS(X) DC_CTRL_HANDLERS(X)
#define DC_ALU_REG(X, n) X(d_##n##_rr) X(d_##n##_ri) X(d_##n##_rr8) X(d_##n##_ri8)
#define DC_ALU_MEM(X, n) X(d_##n##_rm) X(d_##n##_mr) X(d_##n##_mi) X(d_##n##_rm8) X(d_##n##_mr8) \
    X(d_##n##_mi8)
#define DC_REG_HANDLERS(X)                                                               \
    DC_ALU_REG(X, add) DC_ALU_REG(X, or) DC_ALU_REG(X, adc) DC_ALU_REG(X, sbb)          \
    DC_ALU_REG(X, and) DC_ALU_REG(X, sub) DC_ALU_REG(X, xor) DC_ALU_REG(X, cmp)         \
    X(d_test_rr) X(d_test_ri) X(d_test_rr8) X(d_test_ri8)                               \
    X(d_inc_r) X(d_dec_r) X(d_not_r) X(d_neg_r)                                         \
    X(d_mov_rr) X(d_mov_ri) X(d_mov_rr8) X(d_mov_ri8) X(d_lea)                          \
    X(d_shl_r) X(d_shr_r) X(d_sar_r)                                                    \
    X(d_nop) X(d_cwde) X(d_cdq) X(d_cld) X(d_std)
#define DC_MEM_HANDLERS(X) DC_MEM_FLAT_HANDLERS(X) DC_MEM_OTHER_HANDLERS(X)
/* The memory handlers that the run loop also has in a version for a flat segment (struct
 * dc_acc, flat): the plain loads and stores, the most common records by far. */
#define DC_MEM_FLAT_HANDLERS(X) X(d_mov_rm) X(d_mov_mr) X(d_mov_rm_b) X(d_mov_mr_b)
#define DC_MEM_OTHER_HANDLERS(X)                                                         \
    DC_ALU_MEM(X, add) DC_ALU_MEM(X, or) DC_ALU_MEM(X, adc) DC_ALU_MEM(X, sbb)          \
    DC_ALU_MEM(X, and) DC_ALU_MEM(X, sub) DC_ALU_MEM(X, xor) DC_ALU_MEM(X, cmp)         \
    X(d_test_mr) X(d_test_mi) X(d_test_mr8) X(d_test_mi8)                               \
    X(d_inc_m) X(d_dec_m) X(d_not_m) X(d_neg_m)                                         \
    X(d_mov_mi) X(d_mov_rm8) X(d_mov_mr8) X(d_mov_mi8)                                  \
    X(d_movzx_b) X(d_movzx_w) X(d_movsx_b) X(d_movsx_w)                                 \
    X(d_shl_m) X(d_shr_m) X(d_sar_m)                                                    \
    X(d_setcc)
#define DC_CTRL_HANDLERS(X) DC_JUMP_HANDLERS(X) DC_STACK_HANDLERS(X)
#define DC_JUMP_HANDLERS(X) X(d_jcc) X(d_jmp) X(d_jmp_r) /* transfers without memory */
#define DC_STACK_HANDLERS(X)                                                             \
    X(d_push_r) X(d_pop_r) X(d_push_i) X(d_push_m) X(d_leave)                           \
    X(d_call) X(d_ret) X(d_jmp_m) X(d_call_r) X(d_call_m)

/* Fused pairs: a register-only instruction that sets the flags (CMP, TEST, SUB, ADD, AND,
 * OR, XOR, INC, DEC) and the Jcc right after it, in one record. The run loop executes both,
 * with the instruction boundary between them kept (icount, the budget, the Jcc's own EIP for
 * a fault); a single step (dc_exec) executes the first one only. The first instruction
 * touches no memory and cannot change EIP or anything pending, so nothing else can happen
 * at that boundary. X(fused name, handler of the first instruction). */
#define DC_FUSED(X)                                                                      \
    X(f_cmp_rr_jcc, d_cmp_rr) X(f_test_rr_jcc, d_test_rr) X(f_sub_rr_jcc, d_sub_rr)       \
    X(f_add_rr_jcc, d_add_rr) X(f_and_rr_jcc, d_and_rr) X(f_or_rr_jcc, d_or_rr)           \
    X(f_xor_rr_jcc, d_xor_rr) X(f_inc_r_jcc, d_inc_r) X(f_dec_r_jcc, d_dec_r)

/* Each fused pair also comes as name_z for a JZ (cc 4) and name_nz for a JNZ (cc 5): the
 * condition is the first instruction's 32-bit result alone, tested without looking at the
 * lazy flags. */

/* A handler's number (struct dinsn.op); DC_OP_miss and DC_OP_interp are the cache's own. */
#define DC_ENUM(name) DC_OP_##name,
#define DC_FENUM(name, first) DC_OP_##name,
#define DC_FENUM_Z(name, first) DC_OP_##name##_z, DC_OP_##name##_nz,
enum dc_op {
    DC_OP_miss, DC_OP_interp, DC_HANDLERS(DC_ENUM) DC_FUSED(DC_FENUM) DC_FUSED(DC_FENUM_Z)
    DC_OP_COUNT
};
#undef DC_ENUM
#undef DC_FENUM
#undef DC_FENUM_Z

/* Handlers are bodies inlined where they are dispatched (dc_exec.c: the run loop and the
 * single-instruction entry), defined in dc_ops_data.h and dc_ops_ctrl.h. A memory handler
 * (DC_MEM_HANDLERS) takes a third argument, the struct dc_acc its accesses share with the
 * run loop. */
#define DC_OP_BODY static inline __attribute__((always_inline)) void
#define DC_MEM_ARGS struct cpu *c, const struct dinsn *d, struct dc_acc *acc

#endif
