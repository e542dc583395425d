/* Instruction fetch, prefixes and ModRM/SIB addressing (Intel 386 manual 17.2: instruction
 * format; tables 17-2 and 17-3 for the 16- and 32-bit addressing forms). */
#include "cpu/dcache.h"

/* Opens a new fetch window at CS:EIP and returns its first byte. */
uint8_t decode_fetch_slow(struct cpu *c, struct insn *i)
{
    if (!c->code32)
        c->eip &= 0xFFFF; /* IP wraps inside a 16-bit code segment */
    uint32_t eip = c->eip;
    const struct cpu_seg *cs = &c->seg[SEG_CS];
    if (eip > cs->limit)
        cpu_raise(c, EXC_GP, 0);
    uint32_t lin = cs->base + eip;
    uint64_t avail = (uint64_t)cs->limit - eip + 1;
    if (!c->code32 && avail > 0x10000u - eip)
        avail = 0x10000u - eip;
    uint32_t page_left = PAGE_SIZE - (lin & ~PAGE_MASK);
    if (avail > page_left)
        avail = page_left;
    bool user = cpu_user(c);
    const uint8_t *h = mmu_fast_lookup(c->mmu, PW_ACC_FETCH, user, lin, 1);
    if (!h) {
        uint32_t av = 0;
        bool faulted = false;
        h = mmu_fetch_ptr(c->mmu, lin, user, &av, &faulted);
        if (!h) {
            if (faulted)
                cpu_raise_pf(c);
            /* Not host memory (MMIO, open bus): one byte at a time. */
            uint32_t v;
            if (!mmu_read_slow(c->mmu, lin, 1, user, PW_ACC_FETCH, &v))
                cpu_raise_pf(c);
            i->p = i->end = NULL;
            c->eip++;
            return (uint8_t)v;
        }
        if (av < avail)
            avail = av;
    }
    i->p = h + 1;
    i->end = h + avail;
    c->eip++;
    return h[0];
}

static void window_track(struct cpu *c, const struct mmu_fast *f);

/* Opens the kept fetch window (see cpu_exec_insn_inline) when the code page is in the
 * MMU's fast table; 32-bit code inside the CS limit only. The window covers the whole part
 * of the page that lies inside the CS limit, so backward jumps within the page reuse it. */
static void open_window(struct cpu *c, struct insn *i, uint32_t lin, uint32_t eip, bool use)
{
    struct mmu *m = c->mmu;
    const struct cpu_seg *cs = &c->seg[SEG_CS];
    struct mmu_fast *f = mmu_fast_slot(m, PW_ACC_FETCH, cpu_user(c), lin);
    /* --tlb-check wants every TLB hit to take the slow path; paging off has no
     * architectural entry behind the fast one (tlb_index < 0) */
    if (!(f->tag == (lin & PAGE_MASK) && (f->tlb_index < 0 || !m->tlb_check))) {
        c->fw_n = 0;
        return;
    }
    bool touch = f->tlb_index >= 0 && m->touch_on_hit;
    if (touch && use)
        mmu_tlb_touch(m, f->tlb_index); /* one TLB use per instruction fetch */
    uint32_t pofs = lin & ~PAGE_MASK;
    uint32_t back = pofs < eip ? pofs : eip; /* window bytes before EIP: same page, EIP >= 0 */
    uint64_t avail = (uint64_t)cs->limit - eip + 1;
    uint32_t page_left = PAGE_SIZE - pofs;
    uint32_t fwd = avail < page_left ? (uint32_t)avail : page_left;
    const uint8_t *h = (const uint8_t *)(uintptr_t)(lin + f->addend);
    c->fw_lin = lin - back;
    c->fw_host = h - back;
    c->fw_n = back + fwd;
    c->fw_limit = cs->limit;
    c->fw_cpl = (uint8_t)c->cpl;
    window_track(c, f);
    i->p = h;
    i->end = h + fwd;
}

/* What the window keeps of the fast slot it rests on (cpu_fw_current compares it). */
static void window_track(struct cpu *c, const struct mmu_fast *f)
{
    struct mmu *m = c->mmu;
    bool touch = f->tlb_index >= 0 && m->touch_on_hit;
    c->fw_epoch = m->epoch;
    c->fw_tlb_index = touch ? f->tlb_index : -1;
    c->fw_slot = f;
    c->fw_addend = f->addend;
    c->fw_slot_tlb = f->tlb_index;
}

/* decode_reopen_window's tests and translation: false when no window can open at CS:EIP;
 * else *lin is its linear address and *use whether the fetch still owes the code page's
 * entry its use (the translation, when the fast table did not hold the page, was it). */
static inline __attribute__((always_inline)) bool reopen_translate(struct cpu *c, uint32_t *lin,
                                                                 bool *use)
{
    const struct cpu_seg *cs = &c->seg[SEG_CS];
    uint32_t eip = c->eip;
    struct mmu *m = c->mmu;
    if (!c->code32 || !cpu_fw_possible(m) || eip > cs->limit || (uint64_t)cs->limit - eip + 1 < 16)
        return false;
    *lin = cs->base + eip;
    if (PAGE_SIZE - (*lin & ~PAGE_MASK) < 16)
        return false;
    bool user = cpu_user(c);
    *use = true;
    if (mmu_fast_slot(m, PW_ACC_FETCH, user, *lin)->tag != (*lin & PAGE_MASK)) {
        /* the fetch's translation, exactly as decode_fetch_slow makes it */
        uint32_t avail;
        bool faulted;
        c->insn_eip = eip; /* whose fetch it is, for observers and a #PF */
        if (!mmu_fetch_ptr(m, *lin, user, &avail, &faulted)) {
            if (faulted)
                cpu_raise_pf(c);
            return false;
        }
        *use = false;
    }
    return true;
}

bool decode_reopen_window(struct cpu *c)
{
    uint32_t lin;
    bool use;
    if (!reopen_translate(c, &lin, &use))
        return false;
    struct insn i;
    open_window(c, &i, lin, c->eip, use);
    return c->fw_n != 0;
}

bool decode_refetch_window(struct cpu *c, bool *same)
{
    /* the window as it was: its bounds depend on the page, CS and CPL only (not on where
     * in the page EIP is), so a window opened again on the same page at the same host
     * address would have them as they are */
    const struct cpu_seg *cs = &c->seg[SEG_CS];
    uint32_t lin0 = cs->base + c->eip, off = lin0 - c->fw_lin;
    bool was = c->fw_n && off < c->fw_n && c->fw_limit == cs->limit && c->fw_cpl == c->cpl;
    const uint8_t *host = c->fw_host + off;
    uint32_t lin;
    bool use;
    *same = false;
    if (!reopen_translate(c, &lin, &use))
        return false;
    struct mmu *m = c->mmu;
    struct mmu_fast *f = mmu_fast_slot(m, PW_ACC_FETCH, cpu_user(c), lin);
    if (was && !use && f->tag == (lin & PAGE_MASK) && (f->tlb_index < 0 || !m->tlb_check) &&
        (const uint8_t *)(uintptr_t)(lin + f->addend) == host) {
        window_track(c, f); /* all open_window would change */
        *same = true;
        return true;
    }
    struct insn i;
    open_window(c, &i, lin, c->eip, use);
    return c->fw_n != 0;
}

void decode_open_window(struct cpu *c, struct insn *i, uint32_t lin, uint32_t eip)
{
    open_window(c, i, lin, eip, true);
}

/* Effective address of a memory ModRM operand. Default segment SS for BP/EBP/ESP based
 * forms, DS otherwise; a segment-override prefix wins. */
void decode_modrm_ea(struct cpu *c, struct insn *i, uint8_t m)
{
    unsigned mod = m >> 6, rm = m & 7;
    uint32_t ea;
    bool ss = false;
    const uint32_t *g = c->gpr;

    if (!i->a32) {
        switch (rm) {
        case 0: ea = g[R_EBX] + g[R_ESI]; break;
        case 1: ea = g[R_EBX] + g[R_EDI]; break;
        case 2: ea = g[R_EBP] + g[R_ESI]; ss = true; break;
        case 3: ea = g[R_EBP] + g[R_EDI]; ss = true; break;
        case 4: ea = g[R_ESI]; break;
        case 5: ea = g[R_EDI]; break;
        case 6:
            if (mod == 0) {
                ea = fetch16(c, i);
            } else {
                ea = g[R_EBP];
                ss = true;
            }
            break;
        default: ea = g[R_EBX]; break;
        }
        /* only the low 16 bits of each register count: mask at the end is equivalent */
        if (mod == 1)
            ea += (uint32_t)(int32_t)(int8_t)fetch8(c, i);
        else if (mod == 2)
            ea += fetch16(c, i);
        ea &= 0xFFFF;
    } else {
        if (rm == 4) {
            uint8_t sib = fetch8(c, i);
            unsigned base = sib & 7, idx = (sib >> 3) & 7, scale = sib >> 6;
            if (base == 5 && mod == 0) {
                ea = fetch32(c, i);
            } else {
                ea = g[base];
                if (base == R_ESP || base == R_EBP)
                    ss = true;
                if (base == R_ESP)
                    i->base_esp = true;
            }
            if (idx != 4)
                ea += g[idx] << scale;
        } else if (rm == 5 && mod == 0) {
            ea = fetch32(c, i);
        } else {
            ea = g[rm];
            if (rm == R_EBP)
                ss = true;
        }
        if (mod == 1)
            ea += (uint32_t)(int32_t)(int8_t)fetch8(c, i);
        else if (mod == 2)
            ea += fetch32(c, i);
    }
    i->ea = ea;
    if (i->seg_ovr < 0)
        i->seg = ss ? SEG_SS : SEG_DS;
}

/* LOCK is allowed only on the read-modify-write instructions with a memory destination
 * (386 manual 17.2.2.11, "LOCK"); anything else is #UD. Peeks at the ModRM byte without
 * consuming it. */
static bool lock_ok(struct cpu *c, struct insn *i, unsigned op)
{
    uint32_t eip = c->eip;
    struct insn save = *i;
    uint8_t m = fetch8(c, i);
    c->eip = eip;
    *i = save;
    unsigned mod = m >> 6, reg = (m >> 3) & 7;
    if (mod == 3)
        return false;
    if (op < 0x40)
        return (op & 7) <= 1 && (op >> 3) != 7;
    switch (op) {
    case 0x80: case 0x81: case 0x83: return reg != 7;
    case 0x86: case 0x87: return true;
    case 0xF6: case 0xF7: return reg == 2 || reg == 3;
    case 0xFE: case 0xFF: return reg <= 1;
    case 0x1AB: case 0x1B3: case 0x1BB: return true;
    case 0x1BA: return reg >= 5;
    case 0x1B0: case 0x1B1: case 0x1C0: case 0x1C1: return c->model >= CPU_486;
    default: return false;
    }
}

/* Prefix bytes are table entries too: each records its effect and dispatches the next byte,
 * so an instruction without prefixes costs one indirect call (any order; the last segment
 * override and the last REP win). The 386 refuses instructions longer than 15 bytes. */
static inline void dispatch_next(struct cpu *c, struct insn *i)
{
    uint32_t len = c->eip - c->insn_eip;
    if (!c->code32)
        len &= 0xFFFF;
    if (unlikely(len >= 15))
        cpu_raise(c, EXC_GP, 0);
    uint8_t b = fetch8(c, i);
    i->b = b;
    cpu_optab[b](c, i);
}

void op_prefix_seg(struct cpu *c, struct insn *i)
{
    static const int8_t which[8] = {SEG_ES, SEG_CS, SEG_SS, SEG_DS, -1, -1, -1, -1};
    int s = (i->b & 0xF0) == 0x60 ? (i->b == 0x64 ? SEG_FS : SEG_GS) : which[(i->b >> 3) & 3];
    i->seg_ovr = (int8_t)s;
    i->seg = (uint8_t)s;
    dispatch_next(c, i);
}
void op_prefix_opsize(struct cpu *c, struct insn *i)
{
    i->op32 = !c->code32;
    dispatch_next(c, i);
}
void op_prefix_addrsize(struct cpu *c, struct insn *i)
{
    i->a32 = !c->code32;
    dispatch_next(c, i);
}
void op_prefix_rep(struct cpu *c, struct insn *i)
{
    i->rep = i->b;
    dispatch_next(c, i);
}
void op_escape_0f(struct cpu *c, struct insn *i)
{
    uint8_t b = fetch8(c, i);
    i->b = b;
    if (unlikely(i->lock) && !lock_ok(c, i, 0x100u | b))
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    cpu_optab[0x100u | b](c, i);
}
/* LOCK: the remaining prefixes are read here so the opcode can be checked. */
void op_prefix_lock(struct cpu *c, struct insn *i)
{
    i->lock = true;
    for (;;) {
        if ((uint16_t)(c->eip - c->insn_eip) >= 15)
            cpu_raise(c, EXC_GP, 0);
        uint8_t b = fetch8(c, i);
        i->b = b;
        switch (b) {
        case 0x26: case 0x2E: case 0x36: case 0x3E:
            i->seg_ovr = (int8_t)((b >> 3) & 3);
            i->seg = (uint8_t)i->seg_ovr;
            continue;
        case 0x64: case 0x65:
            i->seg_ovr = b == 0x64 ? SEG_FS : SEG_GS;
            i->seg = (uint8_t)i->seg_ovr;
            continue;
        case 0x66: i->op32 = !c->code32; continue;
        case 0x67: i->a32 = !c->code32; continue;
        case 0xF0: continue;
        case 0xF2: case 0xF3: i->rep = b; continue;
        case 0x0F: op_escape_0f(c, i); return;
        default:
            if (!lock_ok(c, i, b))
                cpu_raise(c, EXC_UD, CPU_NO_ERR);
            cpu_optab[b](c, i);
            return;
        }
    }
}

/* The byte-by-byte interpreter for one instruction (the decoded-instruction cache's
 * fallback, dcache.h). */
void cpu_exec_insn_decode(struct cpu *c)
{
    cpu_exec_insn_inline(c);
}

void cpu_exec_insn(struct cpu *c)
{
    cpu_exec_insn_cached(c);
}
