/* Instruction decoding: the per-instruction context, instruction fetch from a host pointer
 * into the current code page, prefixes, ModRM/SIB effective addresses and operand access.
 *
 * Fetch: i->p .. i->end is a window of host bytes that are inside the current code page,
 * inside the CS limit and (16-bit code) below IP 0x10000; the common case reads a byte and
 * bumps two pointers. Leaving the window goes through decode_fetch_slow(), which checks the
 * limit (#GP(0)), translates the next page (#PF with CR2 on that page) and opens a new
 * window. */
#ifndef PW_CPU_DECODE_H
#define PW_CPU_DECODE_H

#include <string.h>

#include "cpu/flags.h"
#include "cpu/internal.h"

struct insn {
    const uint8_t *p, *end; /* fetch window (host memory) */
    uint32_t ea;            /* effective address (offset) of the memory operand */
    uint8_t b;              /* opcode byte (second byte for 0F xx) */
    uint8_t mod, reg, rm;
    uint8_t seg;            /* segment of the memory operand (default or override) */
    int8_t seg_ovr;         /* -1: none */
    uint8_t rep;            /* 0, 0xF2 (REPNE) or 0xF3 (REP/REPE) */
    bool op32, a32, lock;
    bool base_esp;          /* ESP was the base register (POP Ev adjusts) */
};

typedef void (*cpu_op_fn)(struct cpu *c, struct insn *i);
extern const cpu_op_fn cpu_optab[512]; /* [0x000..0x0FF] one byte, [0x100..0x1FF] 0F xx */

/* decode.c */
uint8_t decode_fetch_slow(struct cpu *c, struct insn *i);
void decode_modrm_ea(struct cpu *c, struct insn *i, uint8_t modrm);
void cpu_exec_insn(struct cpu *c);

static inline uint8_t fetch8(struct cpu *c, struct insn *i)
{
    if (likely(i->p < i->end)) {
        c->eip++;
        return *i->p++;
    }
    return decode_fetch_slow(c, i);
}
static inline uint16_t fetch16(struct cpu *c, struct insn *i)
{
    if (likely(i->end - i->p >= 2)) {
        uint16_t v;
        memcpy(&v, i->p, 2);
        i->p += 2;
        c->eip += 2;
        return v;
    }
    uint16_t lo = fetch8(c, i);
    return lo | (uint16_t)(fetch8(c, i) << 8);
}
static inline uint32_t fetch32(struct cpu *c, struct insn *i)
{
    if (likely(i->end - i->p >= 4)) {
        uint32_t v;
        memcpy(&v, i->p, 4);
        i->p += 4;
        c->eip += 4;
        return v;
    }
    uint32_t lo = fetch16(c, i);
    return lo | ((uint32_t)fetch16(c, i) << 16);
}
/* Iv/Iz: 16 or 32 bits by operand size */
static inline uint32_t fetch_iv(struct cpu *c, struct insn *i)
{
    return i->op32 ? fetch32(c, i) : fetch16(c, i);
}

/* Reads the ModRM byte; computes the effective address for memory forms. */
static inline void decode_modrm(struct cpu *c, struct insn *i)
{
    uint8_t m = fetch8(c, i);
    i->mod = m >> 6;
    i->reg = (m >> 3) & 7;
    i->rm = m & 7;
    if (i->mod != 3)
        decode_modrm_ea(c, i, m);
}

/* ---- registers ---- */
static inline uint8_t get_r8(const struct cpu *c, unsigned r)
{
    return r < 4 ? (uint8_t)c->gpr[r] : (uint8_t)(c->gpr[r - 4] >> 8);
}
static inline void set_r8(struct cpu *c, unsigned r, uint8_t v)
{
    if (r < 4)
        c->gpr[r] = (c->gpr[r] & ~0xFFu) | v;
    else
        c->gpr[r - 4] = (c->gpr[r - 4] & ~0xFF00u) | ((uint32_t)v << 8);
}
static inline void set_r16(struct cpu *c, unsigned r, uint16_t v)
{
    c->gpr[r] = (c->gpr[r] & ~0xFFFFu) | v;
}
/* AL, AX or EAX by operand size in bytes (IN, LODS). */
static inline void set_acc(struct cpu *c, unsigned size, uint32_t v)
{
    if (size == 1)
        set_r8(c, 0, (uint8_t)v);
    else if (size == 2)
        set_r16(c, R_EAX, (uint16_t)v);
    else
        c->gpr[R_EAX] = v;
}
static inline uint32_t get_rv(const struct cpu *c, struct insn *i, unsigned r)
{
    return i->op32 ? c->gpr[r] : (c->gpr[r] & 0xFFFF);
}
static inline void set_rv(struct cpu *c, struct insn *i, unsigned r, uint32_t v)
{
    if (i->op32)
        c->gpr[r] = v;
    else
        set_r16(c, r, (uint16_t)v);
}

/* ---- segmented memory (inline fast path; mem.c has the checks and the slow path) ---- */
uint32_t seg_check_slow(struct cpu *c, int sreg, uint32_t off, unsigned size, bool write);
/* 486 alignment check: raises #AC(0) when CR0.AM is set and CPL is 3 (mem.c). */
void cpu_alignment_check(struct cpu *c);

/* Linear address of sreg:off after the limit and rights checks (#GP/#SS). */
static inline __attribute__((always_inline)) uint32_t seg_lin(struct cpu *c, int sreg, uint32_t off, unsigned size, bool write)
{
    const struct cpu_seg *s = &c->seg[sreg];
    uint32_t lin;
    /* Fast: a present, writable, expand-up data segment (what real mode and flat kernels
     * use) needs only the limit compare. */
    if (likely((s->attr & 0x1E) == 0x12 && (s->valid || !c->pm_checks) &&
               (uint64_t)off + size - 1 <= s->limit))
        lin = s->base + off;
    else
        lin = seg_check_slow(c, sreg, off, size, write);
    /* Alignment check (486 manual, #AC): a misaligned word or dword data reference with
     * EFLAGS.AC set; CR0.AM and CPL 3 are checked out of line. Byte accesses never fault:
     * size - 1 is 0 and the test folds away. */
    if (unlikely((c->eflags & FL_AC) && (lin & (size - 1))))
        cpu_alignment_check(c);
    return lin;
}

static inline bool cpu_user(const struct cpu *c) { return c->cpl == 3; }

static inline __attribute__((always_inline)) uint8_t mem_read8(struct cpu *c, int sreg, uint32_t off)
{
    uint32_t lin = seg_lin(c, sreg, off, 1, false);
    uint8_t v;
    if (unlikely(!mmu_read8(c->mmu, lin, cpu_user(c), &v)))
        cpu_raise_pf(c);
    return v;
}
static inline __attribute__((always_inline)) uint16_t mem_read16(struct cpu *c, int sreg, uint32_t off)
{
    uint32_t lin = seg_lin(c, sreg, off, 2, false);
    uint16_t v;
    if (unlikely(!mmu_read16(c->mmu, lin, cpu_user(c), &v)))
        cpu_raise_pf(c);
    return v;
}
static inline __attribute__((always_inline)) uint32_t mem_read32(struct cpu *c, int sreg, uint32_t off)
{
    uint32_t lin = seg_lin(c, sreg, off, 4, false);
    uint32_t v;
    if (unlikely(!mmu_read32(c->mmu, lin, cpu_user(c), &v)))
        cpu_raise_pf(c);
    return v;
}
static inline __attribute__((always_inline)) void mem_write8(struct cpu *c, int sreg, uint32_t off, uint8_t v)
{
    uint32_t lin = seg_lin(c, sreg, off, 1, true);
    if (unlikely(!mmu_write8(c->mmu, lin, cpu_user(c), v)))
        cpu_raise_pf(c);
}
static inline __attribute__((always_inline)) void mem_write16(struct cpu *c, int sreg, uint32_t off, uint16_t v)
{
    uint32_t lin = seg_lin(c, sreg, off, 2, true);
    if (unlikely(!mmu_write16(c->mmu, lin, cpu_user(c), v)))
        cpu_raise_pf(c);
}
static inline __attribute__((always_inline)) void mem_write32(struct cpu *c, int sreg, uint32_t off, uint32_t v)
{
    uint32_t lin = seg_lin(c, sreg, off, 4, true);
    if (unlikely(!mmu_write32(c->mmu, lin, cpu_user(c), v)))
        cpu_raise_pf(c);
}
static inline uint32_t mem_readv(struct cpu *c, struct insn *i, int sreg, uint32_t off)
{
    return i->op32 ? mem_read32(c, sreg, off) : mem_read16(c, sreg, off);
}
static inline void mem_writev(struct cpu *c, struct insn *i, int sreg, uint32_t off, uint32_t v)
{
    if (i->op32)
        mem_write32(c, sreg, off, v);
    else
        mem_write16(c, sreg, off, (uint16_t)v);
}

/* ---- E operands (ModRM r/m) ---- */
static inline uint8_t get_Eb(struct cpu *c, struct insn *i)
{
    return i->mod == 3 ? get_r8(c, i->rm) : mem_read8(c, i->seg, i->ea);
}
static inline void set_Eb(struct cpu *c, struct insn *i, uint8_t v)
{
    if (i->mod == 3)
        set_r8(c, i->rm, v);
    else
        mem_write8(c, i->seg, i->ea, v);
}
static inline uint32_t get_Ev(struct cpu *c, struct insn *i)
{
    return i->mod == 3 ? get_rv(c, i, i->rm) : mem_readv(c, i, i->seg, i->ea);
}
static inline void set_Ev(struct cpu *c, struct insn *i, uint32_t v)
{
    if (i->mod == 3)
        set_rv(c, i, i->rm, v);
    else
        mem_writev(c, i, i->seg, i->ea, v);
}
static inline uint16_t get_Ew(struct cpu *c, struct insn *i)
{
    return i->mod == 3 ? (uint16_t)c->gpr[i->rm] : mem_read16(c, i->seg, i->ea);
}
static inline void set_Ew(struct cpu *c, struct insn *i, uint16_t v)
{
    if (i->mod == 3)
        set_r16(c, i->rm, v);
    else
        mem_write16(c, i->seg, i->ea, v);
}
/* Checks that the memory operand can be written (for instructions that must fault before
 * changing any register, e.g. XCHG, CMPXCHG). */
void mem_check_write(struct cpu *c, int sreg, uint32_t off, unsigned size);

/* cpu.c: the interrupt shadow (STI, MOV SS, POP SS) and HLT. */
void cpu_set_shadow(struct cpu *c);
void cpu_enter_halt(struct cpu *c);
/* True when a REP string instruction should stop after the current element so that an
 * interrupt (or a stop request) can be served; it restarts at the same EIP afterwards. */
bool cpu_break_wanted(const struct cpu *c);
/* A REP that ran REP_CHUNK elements stops (EIP at the instruction, not retired) and calls
 * this, so cpu_run() can honour its budget during a 4G-element string instruction. */
void cpu_rep_yield(struct cpu *c);
#define REP_CHUNK 4096u

/* Executes one instruction at CS:EIP. The fetch window is kept across instructions
 * (c->fw_*): while EIP stays in the code page it was opened for, and CS.limit, CPL and
 * mmu->epoch (bumped by the MMU on any flush, eviction or host-mapping change) are
 * unchanged, the opcode is read straight from it. The replacement policy still sees one
 * use of the code page's TLB entry per instruction: it is touched whenever another entry
 * was used since (touching the entry used last changes nothing). Otherwise the window is
 * reopened from the MMU's fast table (decode_open_window), or left closed so that the
 * first fetch8 takes decode_fetch_slow. */
void decode_open_window(struct cpu *c, struct insn *i, uint32_t lin, uint32_t eip);
/* Whether the fast table can ever hold a code page, so that a window may open: not under
 * --tlb-check (every fetch takes the slow path) nor with --tlb off and paging on (no entry
 * to mirror). Where it cannot, translating ahead of the interpreter counts the fetch twice. */
static inline bool cpu_fw_possible(const struct mmu *m)
{
    return !m->tlb_check && !(m->paging && m->cfg.mode == TLB_OFF);
}
/* For the decoded run loop: opens the window at CS:EIP in 32-bit code with 16 bytes of the
 * page and the CS limit from there, translating the code page first when the fast table
 * does not hold it (the TLB miss, counted and filled as the instruction's fetch would make
 * it; a #PF is raised at the instruction). False when that is not possible there: the
 * caller interprets the instruction. */
bool decode_reopen_window(struct cpu *c);
/* decode_reopen_window after an eviction took the open window's code page out of the TLB:
 * the same translation; *same is true when the page came back at the same host address,
 * so that the window is the one it was (only what it keeps of the fast slot changed). */
bool decode_refetch_window(struct cpu *c, bool *same);

/* The MMU bumps its epoch on every flush and on every eviction. When it moved, the window
 * is still good if the fast-table slot it came from still holds the same translation (same
 * page, host address and TLB entry): an eviction drops the evicted entry's slots, a flush
 * or a host-mapping change clears them all. Then the window adopts the new epoch. */
static inline bool cpu_fw_current(struct cpu *c)
{
    struct mmu *m = c->mmu;
    if (likely(c->fw_epoch == m->epoch))
        return true;
    const struct mmu_fast *f = c->fw_slot;
    if (c->fw_n && f->tag == ((c->fw_lin + c->fw_n - 1) & PAGE_MASK) && f->addend == c->fw_addend &&
        f->tlb_index == c->fw_slot_tlb) {
        c->fw_epoch = m->epoch;
        return true;
    }
    return false;
}
static inline __attribute__((always_inline)) void cpu_exec_insn_inline(struct cpu *c)
{
    struct insn i;
    i.op32 = i.a32 = c->code32;
    i.seg_ovr = -1;
    i.seg = SEG_DS;
    i.rep = 0;
    i.lock = false;
    i.base_esp = false;
    i.p = i.end = NULL;
    const struct cpu_seg *cs = &c->seg[SEG_CS];
    uint32_t eip = c->eip;
    if (likely(c->code32 && eip <= cs->limit)) {
        uint32_t lin = cs->base + eip;
        struct mmu *m = c->mmu;
        uint32_t off = lin - c->fw_lin;
        if (likely(off < c->fw_n && cpu_fw_current(c) && c->fw_limit == cs->limit &&
                   c->fw_cpl == c->cpl)) {
            if (c->fw_tlb_index >= 0 && c->fw_tlb_index != m->tlb_mru)
                mmu_tlb_touch(m, c->fw_tlb_index);
            i.p = c->fw_host + off;
            i.end = c->fw_host + c->fw_n;
        } else {
            decode_open_window(c, &i, lin, eip);
        }
    }
    uint8_t b = fetch8(c, &i);
    i.b = b;
    cpu_optab[b](c, &i);
}

/* Size index for lazy flags: 0 (8-bit), 1 (16), 2 (32). */
static inline unsigned v_sz(const struct insn *i) { return i->op32 ? 2 : 1; }

/* Near transfers: 16-bit operand size truncates the new IP; a target beyond the CS limit
 * faults on the branch itself (386 manual 17.2.2.11, JMP: "#GP(0) if the destination is
 * beyond the code segment limit"). */
static inline void jump_to(struct cpu *c, struct insn *i, uint32_t target)
{
    if (!i->op32)
        target &= 0xFFFF;
    if (unlikely(target > c->seg[SEG_CS].limit))
        cpu_raise(c, EXC_GP, 0);
    c->eip = target;
}

/* Stack pointer helpers for the current SS size. */
static inline bool stack32(const struct cpu *c) { return SEG_ATTR_DB(c->seg[SEG_SS].attr) && !cpu_v86(c); }

#endif
