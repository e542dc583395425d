/* INC and DEC keep CF (Intel 386 manual 17.2.2.11 "INC", "DEC"): the lazy flags record only
 * their result and kind and leave CF to the record of the last other flag-setting
 * instruction (cpu/flags.h). This test generates random programs
 *
 *     [an instruction that sets CF] source  INC/DEC chain  consumers ...  UD2 -> handler: HLT
 *
 * where the source is any flag-setting instruction of any size (ADD ADC SUB SBB CMP AND OR
 * XOR TEST NEG SHL SHR SAR SHLD SHRD ROL BT STC CLC CMC SAHF POPF, register or memory), the
 * chain zero to four INC/DEC of any size and form (with PUSHF/POPF or LAHF/SAHF between
 * some), and the consumers read the flags every way the CPU does: Jcc (fused to the DEC
 * that precedes it in the decoded path, and not), SETcc, PUSHF, LAHF, ADC, SBB, RCL, RCR,
 * SALC, CMC, the EFLAGS of an exception frame (#UD), and cpu_get_eflags() afterwards (what
 * the monitor shows). Every program runs three ways: the byte-by-byte interpreter (cpu_step
 * with the fetch window closed before each step, so the decoded cache is not used), the
 * decoded handlers one instruction at a time (cpu_step), and the decoded-block loop with
 * its fused pairs (cpu_run); each must match a model computed here from the
 * manual's definitions, bit by bit and independent of the lazy-flag code. Flags the manual
 * leaves undefined (AF after logic and shifts, OF after multi-bit shifts and rotates, the
 * BT leftovers) are not compared. */
#include "fixture.h"
#include "test.h"

#define CODE 0x2000u
#define HANDLER 0x7000u
#define MEM 0x3000u
#define MEMLEN 128u /* operands in the first half, flag images (SETcc, PUSHF, LAHF) in the second */
#define STACK 0x90000u

/* ---------------- the model ---------------- */

struct model {
    uint32_t r[8];
    uint8_t mem[MEMLEN], mem_undef[MEMLEN]; /* bits of a stored flag image left undefined */
    uint32_t fl, undef;                    /* arithmetic flags, and which are undefined */
};

static uint32_t xs_state;
static uint32_t rnd(void)
{
    xs_state ^= xs_state << 13;
    xs_state ^= xs_state >> 17;
    xs_state ^= xs_state << 5;
    return xs_state;
}
/* operands that make INC/DEC reach zero, the sign boundary and the nibble carries often */
static uint32_t rnd_val(void)
{
    static const uint32_t edge[] = {0, 1, 2, 0xF, 0x10, 0x7F, 0x80, 0x81, 0xFF, 0x100, 0x7FFF, 0x8000,
                                    0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFF7Fu};
    uint32_t k = rnd() % 4;
    if (k == 0)
        return edge[rnd() % (sizeof edge / sizeof edge[0])];
    if (k == 1)
        return edge[rnd() % (sizeof edge / sizeof edge[0])] + (rnd() % 3) - 1;
    return rnd();
}

static unsigned bits_of(int sz) { return 8u << sz; }
static uint32_t mask_of(int sz) { return sz == 2 ? 0xFFFFFFFFu : (1u << bits_of(sz)) - 1; }

/* 8-bit register codes 0..7 are AL CL DL BL AH CH DH BH */
static uint32_t m_get(const struct model *m, int sz, int reg)
{
    if (sz == 0)
        return reg < 4 ? m->r[reg] & 0xFF : (m->r[reg - 4] >> 8) & 0xFF;
    return m->r[reg] & mask_of(sz);
}
static void m_set(struct model *m, int sz, int reg, uint32_t v)
{
    if (sz == 0) {
        if (reg < 4)
            m->r[reg] = (m->r[reg] & ~0xFFu) | (v & 0xFF);
        else
            m->r[reg - 4] = (m->r[reg - 4] & ~0xFF00u) | (v & 0xFF) << 8;
    } else {
        m->r[reg] = (m->r[reg] & ~mask_of(sz)) | (v & mask_of(sz));
    }
}
static uint32_t m_load(const struct model *m, int sz, unsigned off)
{
    uint32_t v = 0;
    for (unsigned k = 0; k < (1u << sz); k++)
        v |= (uint32_t)m->mem[off + k] << (8 * k);
    return v;
}
static void m_store(struct model *m, int sz, unsigned off, uint32_t v, uint32_t undef)
{
    for (unsigned k = 0; k < (1u << sz); k++) {
        m->mem[off + k] = (uint8_t)(v >> (8 * k));
        m->mem_undef[off + k] = (uint8_t)(undef >> (8 * k));
    }
}

static uint32_t ref_szp(uint32_t r, int sz)
{
    int ones = 0;
    for (int b = 0; b < 8; b++)
        ones += (r >> b) & 1;
    return ((r & mask_of(sz)) == 0 ? FL_ZF : 0) | ((r >> (bits_of(sz) - 1)) & 1 ? FL_SF : 0) |
           (ones % 2 == 0 ? FL_PF : 0);
}
static int64_t sext(uint32_t v, int sz)
{
    return sz == 0 ? (int8_t)v : sz == 1 ? (int16_t)v : (int32_t)v;
}
static bool m_cf(const struct model *m) { return (m->fl & FL_CF) != 0; }
static void m_flags(struct model *m, uint32_t f, uint32_t undef)
{
    m->fl = f;
    m->undef = undef;
}

/* ADD/ADC/SUB/SBB/CMP from the definitions: the full-width sum, the signed sum, the nibbles. */
static uint32_t ref_addsub(struct model *m, int sz, uint32_t a, uint32_t b, bool cin, bool sub)
{
    uint64_t ua = a & mask_of(sz), ub = b & mask_of(sz);
    int64_t sa = sext(a, sz), sb = sext(b, sz), c = cin;
    int64_t full = sub ? (int64_t)ua - (int64_t)ub - c : (int64_t)(ua + ub) + c;
    int64_t sfull = sub ? sa - sb - c : sa + sb + c;
    int64_t nib = sub ? (int64_t)(ua & 15) - (int64_t)(ub & 15) - c : (int64_t)((ua & 15) + (ub & 15)) + c;
    uint32_t r = (uint32_t)full & mask_of(sz), f = ref_szp(r, sz);
    int64_t lo = -((int64_t)1 << (bits_of(sz) - 1)), hi = ((int64_t)1 << (bits_of(sz) - 1)) - 1;
    if (sub ? full < 0 : full > (int64_t)mask_of(sz))
        f |= FL_CF;
    if (sub ? nib < 0 : nib > 15)
        f |= FL_AF;
    if (sfull < lo || sfull > hi)
        f |= FL_OF;
    m_flags(m, f, 0);
    return r;
}

/* group-1 operation n (ADD OR ADC SBB AND SUB XOR CMP) on a and b; returns the result */
static uint32_t ref_alu(struct model *m, int n, int sz, uint32_t a, uint32_t b)
{
    switch (n) {
    case 0: return ref_addsub(m, sz, a, b, false, false);
    case 2: return ref_addsub(m, sz, a, b, m_cf(m), false);
    case 3: return ref_addsub(m, sz, a, b, m_cf(m), true);
    case 5: case 7: return ref_addsub(m, sz, a, b, false, true);
    default: {
        uint32_t r = (n == 1 ? a | b : n == 4 ? a & b : a ^ b) & mask_of(sz);
        m_flags(m, ref_szp(r, sz), FL_AF); /* CF = OF = 0; AF undefined */
        return r;
    }
    }
}

/* INC/DEC: the flags of a +/- 1 with CF as it was */
static uint32_t ref_incdec(struct model *m, int sz, uint32_t a, bool dec)
{
    uint32_t cf = m->fl & FL_CF;
    uint32_t r = ref_addsub(m, sz, a, 1, false, dec);
    m->fl = (m->fl & ~FL_CF) | cf;
    return r;
}

/* ---------------- the program ---------------- */

struct prog {
    uint8_t code[1024];
    unsigned n;
    struct model m;
    int jcc_checks;
};

static void b1(struct prog *p, uint32_t v) { p->code[p->n++] = (uint8_t)v; }
static void b4(struct prog *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        b1(p, v >> (8 * k));
}
static void opsize(struct prog *p, int sz)
{
    if (sz == 1)
        b1(p, 0x66);
}
static int rnd_reg(int sz)
{
    static const int r32[] = {0, 1, 2, 3, 6, 7}; /* not ESP, not EBP (the Jcc marks) */
    return sz == 0 ? (int)(rnd() % 8) : r32[rnd() % 6];
}
static unsigned rnd_off(int sz) { return (rnd() % (MEMLEN / 8 - 1)) * 4 + (sz == 0 ? rnd() % 4 : 0); }
/* where a flag image goes: never an operand later, since some of its bits may be undefined */
static unsigned rnd_img(int sz) { return MEMLEN / 2 + rnd_off(sz); }

/* group-1 op n, register destination, register source */
static void e_alu_rr(struct prog *p, int n, int sz, int dst, int src)
{
    opsize(p, sz);
    b1(p, n * 8 + (sz ? 1 : 0));
    b1(p, 0xC0 | src << 3 | dst);
    uint32_t r = ref_alu(&p->m, n, sz, m_get(&p->m, sz, dst), m_get(&p->m, sz, src));
    if (n != 7)
        m_set(&p->m, sz, dst, r);
}
/* group-1 op n with memory: to_mem ? [off] op= reg : reg op= [off] */
static void e_alu_mem(struct prog *p, int n, int sz, int reg, unsigned off, bool to_mem)
{
    opsize(p, sz);
    b1(p, n * 8 + (sz ? 1 : 0) + (to_mem ? 0 : 2));
    b1(p, 0x05 | reg << 3);
    b4(p, MEM + off);
    uint32_t mv = m_load(&p->m, sz, off), rv = m_get(&p->m, sz, reg);
    uint32_t r = ref_alu(&p->m, n, sz, to_mem ? mv : rv, to_mem ? rv : mv);
    if (n == 7)
        return;
    if (to_mem)
        m_store(&p->m, sz, off, r, 0);
    else
        m_set(&p->m, sz, reg, r);
}
static void e_alu_ri(struct prog *p, int n, int sz, int dst, uint32_t imm)
{
    opsize(p, sz);
    b1(p, sz ? 0x81 : 0x80);
    b1(p, 0xC0 | n << 3 | dst);
    if (sz == 0)
        b1(p, imm);
    else if (sz == 1)
        b1(p, imm), b1(p, imm >> 8);
    else
        b4(p, imm);
    uint32_t r = ref_alu(&p->m, n, sz, m_get(&p->m, sz, dst), imm & mask_of(sz));
    if (n != 7)
        m_set(&p->m, sz, dst, r);
}

/* INC/DEC in every encoding: form 0 register (40+r / FE), 1 group 5 register (FF /0 /1),
 * 2 memory */
static void e_incdec(struct prog *p, int sz, bool dec, int form, int reg, unsigned off)
{
    opsize(p, sz);
    if (form == 2) {
        b1(p, sz ? 0xFF : 0xFE);
        b1(p, dec ? 0x0D : 0x05);
        b4(p, MEM + off);
        m_store(&p->m, sz, off, ref_incdec(&p->m, sz, m_load(&p->m, sz, off), dec), 0);
        return;
    }
    if (sz == 0 || form == 1) {
        b1(p, sz ? 0xFF : 0xFE);
        b1(p, (dec ? 0xC8 : 0xC0) | reg);
    } else {
        b1(p, (dec ? 0x48 : 0x40) + reg);
    }
    m_set(&p->m, sz, reg, ref_incdec(&p->m, sz, m_get(&p->m, sz, reg), dec));
}

/* SHL/SHR/SAR reg by an immediate (1..width-1, where CF is defined) */
static void e_shift(struct prog *p, int kind, int sz, int reg, unsigned n)
{
    static const int ext[] = {4, 5, 7};
    opsize(p, sz);
    if (n == 1) {
        b1(p, sz ? 0xD1 : 0xD0);
        b1(p, 0xC0 | ext[kind] << 3 | reg);
    } else {
        b1(p, sz ? 0xC1 : 0xC0);
        b1(p, 0xC0 | ext[kind] << 3 | reg);
        b1(p, n);
    }
    unsigned w = bits_of(sz);
    uint32_t a = m_get(&p->m, sz, reg), r;
    bool cf, of;
    if (kind == 0) {
        r = (uint32_t)((uint64_t)a << n) & mask_of(sz);
        cf = (a >> (w - n)) & 1;
        of = ((r >> (w - 1)) & 1) != cf;
    } else if (kind == 1) {
        r = a >> n;
        cf = (a >> (n - 1)) & 1;
        of = (a >> (w - 1)) & 1;
    } else {
        r = (uint32_t)(sext(a, sz) >> n) & mask_of(sz);
        cf = (uint32_t)(sext(a, sz) >> (n - 1)) & 1;
        of = false;
    }
    m_set(&p->m, sz, reg, r);
    m_flags(&p->m, ref_szp(r, sz) | (cf ? FL_CF : 0) | (of ? FL_OF : 0), FL_AF | (n != 1 ? FL_OF : 0));
}

/* SHLD/SHRD dst, src, n (16 or 32 bits, n below the width) */
static void e_shxd(struct prog *p, bool left, int sz, int dst, int src, unsigned n)
{
    opsize(p, sz);
    b1(p, 0x0F);
    b1(p, left ? 0xA4 : 0xAC);
    b1(p, 0xC0 | src << 3 | dst);
    b1(p, n);
    unsigned w = bits_of(sz);
    uint64_t a = m_get(&p->m, sz, dst), b = m_get(&p->m, sz, src);
    uint32_t r;
    bool cf;
    if (left) {
        r = (uint32_t)((a << n) | (b >> (w - n))) & mask_of(sz);
        cf = (a >> (w - n)) & 1;
    } else {
        r = (uint32_t)((a >> n) | (b << (w - n))) & mask_of(sz);
        cf = (a >> (n - 1)) & 1;
    }
    bool of = ((r ^ (uint32_t)a) >> (w - 1)) & 1;
    m_set(&p->m, sz, dst, r);
    m_flags(&p->m, ref_szp(r, sz) | (cf ? FL_CF : 0) | (of ? FL_OF : 0), FL_AF | (n != 1 ? FL_OF : 0));
}

/* ---------------- sources: what sets CF before the chain ---------------- */

enum {
    SRC_ALU_RR, SRC_ALU_MEM, SRC_ALU_RI, SRC_TEST, SRC_NEG, SRC_SHIFT, SRC_SHXD, SRC_ROL,
    SRC_BT, SRC_STC, SRC_CLC, SRC_CMC, SRC_SAHF, SRC_POPF, SRC_COUNT
};

static void e_source(struct prog *p, int kind)
{
    int sz = (int)(rnd() % 3);
    int a = rnd_reg(sz), b = rnd_reg(sz);
    struct model *m = &p->m;
    switch (kind) {
    case SRC_ALU_RR: e_alu_rr(p, (int)(rnd() % 8), sz, a, b); break;
    case SRC_ALU_MEM: e_alu_mem(p, (int)(rnd() % 8), sz, a, rnd_off(sz), rnd() & 1); break;
    case SRC_ALU_RI: e_alu_ri(p, (int)(rnd() % 8), sz, a, rnd_val()); break;
    case SRC_TEST: {
        opsize(p, sz);
        b1(p, sz ? 0x85 : 0x84);
        b1(p, 0xC0 | b << 3 | a);
        ref_alu(m, 4, sz, m_get(m, sz, a), m_get(m, sz, b));
        break;
    }
    case SRC_NEG: {
        opsize(p, sz);
        b1(p, sz ? 0xF7 : 0xF6);
        b1(p, 0xD8 | a);
        m_set(m, sz, a, ref_addsub(m, sz, 0, m_get(m, sz, a), false, true));
        break;
    }
    case SRC_SHIFT: e_shift(p, (int)(rnd() % 3), sz, a, 1 + rnd() % (bits_of(sz) - 1)); break;
    case SRC_SHXD: {
        int s2 = 1 + (int)(rnd() % 2);
        e_shxd(p, rnd() & 1, s2, rnd_reg(s2), rnd_reg(s2), 1 + rnd() % (bits_of(s2) - 1));
        break;
    }
    case SRC_ROL: { /* CF and OF only; the rest stays */
        unsigned n = 1 + rnd() % 31;
        a = rnd_reg(2);
        b1(p, 0xC1);
        b1(p, 0xC0 | a);
        b1(p, n);
        uint32_t v = m_get(m, 2, a), r = (v << n) | (v >> (32 - n));
        m_set(m, 2, a, r);
        bool cf = r & 1, of = (r >> 31) != cf;
        m->fl = (m->fl & ~(FL_CF | FL_OF)) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
        m->undef = (m->undef & ~(FL_CF | FL_OF)) | (n != 1 ? FL_OF : 0);
        break;
    }
    case SRC_BT: { /* CF = the bit; OF SF AF PF undefined (386 manual "BT") */
        unsigned bit = rnd() % 32;
        a = rnd_reg(2);
        b1(p, 0x0F);
        b1(p, 0xBA);
        b1(p, 0xE0 | a);
        b1(p, bit);
        m->fl = (m->fl & ~FL_CF) | ((m_get(m, 2, a) >> bit) & 1 ? FL_CF : 0);
        m->undef = (m->undef & ~FL_CF) | FL_OF | FL_SF | FL_AF | FL_PF;
        break;
    }
    case SRC_STC: b1(p, 0xF9); m->fl |= FL_CF; break;
    case SRC_CLC: b1(p, 0xF8); m->fl &= ~FL_CF; break;
    case SRC_CMC: b1(p, 0xF5); m->fl ^= FL_CF; break;
    case SRC_SAHF: { /* mov $v,%ah; sahf: SF ZF AF PF CF from AH, OF stays */
        uint32_t v = rnd() & 0xFF;
        b1(p, 0xB4);
        b1(p, v);
        b1(p, 0x9E);
        m_set(m, 0, 4, v);
        uint32_t f5 = FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF;
        m->fl = (m->fl & ~f5) | (v & f5);
        m->undef &= ~f5;
        break;
    }
    default: { /* push $v; popf: every arithmetic flag from v */
        uint32_t v = rnd() & FL_ARITH;
        b1(p, 0x68);
        b4(p, v | 0x2);
        b1(p, 0x9D);
        m_flags(m, v, 0);
        break;
    }
    }
}

/* ---------------- the chain ---------------- */

/* One INC/DEC of random size and form; last32 forces a 32-bit register one (for a fused
 * Jcc after it). */
static void e_chain_incdec(struct prog *p, bool last32)
{
    int sz = last32 ? 2 : (int)(rnd() % 3);
    int form = last32 ? 0 : (int)(rnd() % 3);
    e_incdec(p, sz, rnd() & 1, form, rnd_reg(sz), rnd_off(sz));
}

/* pushf; popf or lahf; sahf: no flag changes, but the lazy state is materialized */
static void e_neutral(struct prog *p)
{
    if (rnd() & 1) {
        b1(p, 0x9C);
        b1(p, 0x9D);
    } else {
        /* lahf; sahf; then AH back to a known value (LAHF left the undefined flags in it) */
        b1(p, 0x9F);
        b1(p, 0x9E);
        uint32_t v = rnd() & 0xFF;
        b1(p, 0xB4);
        b1(p, v);
        m_set(&p->m, 0, 4, v);
    }
}

/* ---------------- consumers ---------------- */

static bool cond(uint32_t f, unsigned cc)
{
    bool cf = f & FL_CF, zf = f & FL_ZF, sf = f & FL_SF, of = f & FL_OF, pf = f & FL_PF, r;
    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || sf != of; break;
    }
    return (cc & 1) ? !r : r;
}
static uint32_t cond_inputs(unsigned cc)
{
    static const uint32_t in[8] = {FL_OF, FL_CF, FL_ZF, FL_CF | FL_ZF, FL_SF, FL_PF, FL_SF | FL_OF,
                                   FL_ZF | FL_SF | FL_OF};
    return in[cc >> 1];
}

/* jcc over "lea bit(%ebp),%ebp": EBP adds up the conditions found false. A condition on
 * undefined flags is left out. */
static void e_jcc(struct prog *p, unsigned cc, bool rel32, uint32_t bit)
{
    if (p->m.undef & cond_inputs(cc))
        return;
    if (rel32) {
        b1(p, 0x0F);
        b1(p, 0x80 + cc);
        b4(p, 6);
    } else {
        b1(p, 0x70 + cc);
        b1(p, 6);
    }
    b1(p, 0x8D);
    b1(p, 0xAD);
    b4(p, bit);
    if (!cond(p->m.fl, cc))
        p->m.r[R_EBP] += bit;
    p->jcc_checks++;
}

static uint32_t image(const struct model *m) { return (m->fl & FL_ARITH) | 0x2; }

static void e_consumer(struct prog *p, int kind)
{
    struct model *m = &p->m;
    switch (kind) {
    case 0: /* the 16 conditions, each a Jcc over a marker */
        for (unsigned cc = 0; cc < 16; cc++)
            e_jcc(p, cc, cc == 3 || cc == 12, 1u << (rnd() % 30));
        break;
    case 1: /* SETcc into memory */
        for (unsigned cc = 0; cc < 16; cc++) {
            unsigned off = rnd_img(0);
            b1(p, 0x0F);
            b1(p, 0x90 + cc);
            b1(p, 0x05);
            b4(p, MEM + off);
            m_store(m, 0, off, cond(m->fl, cc), (m->undef & cond_inputs(cc)) ? 1 : 0);
        }
        break;
    case 2: { /* pushfl; popl mem */
        unsigned off = rnd_img(2);
        b1(p, 0x9C);
        b1(p, 0x8F);
        b1(p, 0x05);
        b4(p, MEM + off);
        m_store(m, 2, off, image(m), m->undef);
        break;
    }
    case 3: { /* lahf; mov %ah,mem; then AH known again */
        unsigned off = rnd_img(0);
        b1(p, 0x9F);
        b1(p, 0x88);
        b1(p, 0x25);
        b4(p, MEM + off);
        uint32_t f5 = FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF;
        m_store(m, 0, off, (m->fl & f5) | 0x2, m->undef & f5);
        uint32_t v = rnd() & 0xFF;
        b1(p, 0xB4);
        b1(p, v);
        m_set(m, 0, 4, v);
        break;
    }
    case 4: { /* ADC or SBB, 8 or 32 bits (their own flags follow) */
        int sz = rnd() & 1 ? 2 : 0;
        e_alu_rr(p, rnd() & 1 ? 2 : 3, sz, rnd_reg(sz), rnd_reg(sz));
        break;
    }
    case 5: { /* ADC/SBB with an immediate or memory */
        int sz = (int)(rnd() % 3);
        if (rnd() & 1)
            e_alu_ri(p, rnd() & 1 ? 2 : 3, sz, rnd_reg(sz), rnd_val());
        else
            e_alu_mem(p, rnd() & 1 ? 2 : 3, sz, rnd_reg(sz), rnd_off(sz), rnd() & 1);
        break;
    }
    case 6: { /* RCL or RCR by 1: CF in, CF and OF out */
        int sz = (int)(rnd() % 3), reg = rnd_reg(sz);
        bool left = rnd() & 1;
        opsize(p, sz);
        b1(p, sz ? 0xD1 : 0xD0);
        b1(p, (left ? 0xD0 : 0xD8) | reg);
        unsigned w = bits_of(sz);
        uint32_t v = m_get(m, sz, reg), cin = m_cf(m), r, cf;
        bool of;
        if (left) {
            r = ((v << 1) | cin) & mask_of(sz);
            cf = (v >> (w - 1)) & 1;
            of = ((r >> (w - 1)) & 1) != cf;
        } else {
            r = (v >> 1) | cin << (w - 1);
            cf = v & 1;
            of = ((v >> (w - 1)) & 1) != cin;
        }
        m_set(m, sz, reg, r);
        m->fl = (m->fl & ~(FL_CF | FL_OF)) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
        m->undef &= ~(FL_CF | FL_OF);
        break;
    }
    case 7: /* SALC: AL = CF ? FF : 00 */
        b1(p, 0xD6);
        m_set(m, 0, 0, m_cf(m) ? 0xFF : 0);
        break;
    default: /* CMC */
        b1(p, 0xF5);
        m->fl ^= FL_CF;
        break;
    }
}

/* ---------------- one case ---------------- */

static void build(struct prog *p, uint32_t seed)
{
    memset(p, 0, sizeof *p);
    xs_state = seed * 2654435761u + 1;
    for (int r = 0; r < 8; r++)
        p->m.r[r] = rnd_val();
    p->m.r[R_ESP] = STACK;
    p->m.r[R_EBP] = 0;
    for (unsigned k = 0; k < MEMLEN; k++)
        p->m.mem[k] = (uint8_t)rnd();
    p->m.fl = rnd() & FL_ARITH;
    /* a CMP first, so ADC, SBB and CMC sources start from a lazy CF */
    if (rnd() % 4)
        e_alu_rr(p, 7, 2, rnd_reg(2), rnd_reg(2));
    e_source(p, (int)(rnd() % SRC_COUNT));
    int len = (int)(rnd() % 5);
    for (int k = 0; k < len; k++) {
        if (rnd() % 8 == 0)
            e_neutral(p);
        e_chain_incdec(p, k == len - 1 && rnd() % 2);
    }
    /* a Jcc right after the chain (fused with a 32-bit register INC/DEC when decoded) */
    if (rnd() & 1)
        e_jcc(p, rnd() % 16, false, 1u << 30);
    for (int k = 0, n = 1 + (int)(rnd() % 3); k < n; k++) {
        e_consumer(p, (int)(rnd() % 9));
        /* sometimes more INC/DEC after a consumer that set flags of its own */
        if (rnd() % 3 == 0)
            e_chain_incdec(p, false);
    }
    b1(p, 0x0F); /* ud2: #UD pushes EFLAGS, EIP and CS */
    b1(p, 0x0B);
}

static int failures;

enum { RUN_INTERP, RUN_STEP, RUN_BLOCKS };
static const char *const run_name[] = {"interpreter", "decoded, stepped", "decoded blocks"};

/* Runs p one of the three ways and compares with the model. */
static void run_case(struct tmach *t, const struct prog *p, int how, uint32_t seed)
{
    struct cpu *c = &t->cpu;
    const struct model *m = &p->m;
    tm_flat32(t, CODE);
    tm_set_gate(t, 6, HANDLER);
    uint8_t hlt = 0xF4;
    tm_load(t, HANDLER, &hlt, 1);
    tm_load(t, CODE, p->code, p->n);
    xs_state = seed * 2654435761u + 1; /* the same initial state as build() drew */
    for (int r = 0; r < 8; r++)
        c->gpr[r] = rnd_val();
    c->gpr[R_ESP] = STACK;
    c->gpr[R_EBP] = 0;
    uint8_t mem[MEMLEN];
    for (unsigned k = 0; k < MEMLEN; k++)
        mem[k] = (uint8_t)rnd();
    tm_load(t, MEM, mem, MEMLEN);
    cpu_set_eflags(c, (rnd() & FL_ARITH) | 0x2);
    c->halted = false;
    if (how == RUN_BLOCKS) {
        tm_run(t, 400);
    } else {
        for (int k = 0; k < 400 && !c->halted; k++) {
            if (how == RUN_INTERP)
                c->fw_n = 0; /* closed: cpu_exec_insn decodes byte by byte (cpu/dcache.h) */
            cpu_step(c);
        }
    }
    bool bad = !c->halted || c->eip != HANDLER + 1;
    for (int r = 0; r < 8; r++) {
        uint32_t want = r == R_ESP ? STACK - 12 : m->r[r];
        if (c->gpr[r] != want) {
            bad = true;
            if (failures < 10)
                fprintf(stderr, "  reg %d: %08x, want %08x\n", r, c->gpr[r], want);
        }
    }
    for (unsigned k = 0; k < MEMLEN; k++)
        if ((tm_rd8(t, MEM + k) ^ m->mem[k]) & ~m->mem_undef[k]) {
            bad = true;
            if (failures < 10)
                fprintf(stderr, "  mem +%u: %02x, want %02x\n", k, tm_rd8(t, MEM + k), m->mem[k]);
        }
    /* the #UD frame (EIP, CS, EFLAGS) and what the monitor reads afterwards */
    uint32_t frame = tm_rd32(t, STACK - 4), now = cpu_get_eflags(c);
    uint32_t cmp = FL_ARITH & ~m->undef;
    if ((frame ^ image(m)) & cmp || (now ^ image(m)) & cmp || tm_rd32(t, STACK - 12) != CODE + p->n - 2) {
        bad = true;
        if (failures < 10)
            fprintf(stderr, "  eflags: frame %03x, now %03x, want %03x (compared %03x)\n", frame & FL_ARITH,
                    now & FL_ARITH, image(m) & FL_ARITH, cmp);
    }
    if (bad && failures++ < 10) {
        fprintf(stderr, "case seed %u (%s) fails; code:", seed, run_name[how]);
        for (unsigned k = 0; k < p->n; k++)
            fprintf(stderr, " %02x", p->code[k]);
        fprintf(stderr, "\n");
    }
    CHECK(!bad);
}

/* Fixed cases first: the chain after every source kind and size, one of each consumer. */
static void test_random_programs(int ncases)
{
    struct tmach *t = tm_new(CPU_386);
    static struct prog p;
    int jcc = 0;
    for (int k = 0; k < ncases; k++) {
        uint32_t seed = (uint32_t)k + 1;
        build(&p, seed);
        jcc += p.jcc_checks;
        for (int how = RUN_INTERP; how <= RUN_BLOCKS; how++)
            run_case(t, &p, how, seed);
    }
    CHECK(jcc > ncases); /* the programs did branch */
    tm_free(t);
}

/* The classic loop tail after a carry chain: ADD sets CF, a DEC/JNZ loop around it runs,
 * ADC reads CF after the loop's last DEC. Fused DEC+JNZ in the decoded loop. */
static void test_adc_after_loop(void)
{
    static const uint8_t code[] = {
        0x01, 0xD8, /* 2000 add %ebx,%eax (carry out) */
        0x49,       /* 2002 dec %ecx */
        0x75, 0xFD, /* 2003 jnz 2002 */
        0x11, 0xF7, /* 2005 adc %esi,%edi */
        0x9C,       /* 2007 pushf */
        0xF4,       /* 2008 hlt */
    };
    for (int how = RUN_INTERP; how <= RUN_BLOCKS; how++)
        for (int carry = 0; carry < 2; carry++) {
            struct tmach *t = tm_new(CPU_386);
            struct cpu *c = &t->cpu;
            tm_flat32(t, CODE);
            tm_load(t, CODE, code, sizeof code);
            c->gpr[R_EAX] = 0x80000000u;
            c->gpr[R_EBX] = carry ? 0x80000000u : 0x7FFFFFFFu;
            c->gpr[R_ECX] = 5;
            c->gpr[R_ESI] = 10;
            c->gpr[R_EDI] = 20;
            cpu_set_eflags(c, carry ? 0x2 : 0x3); /* the opposite CF before the ADD */
            if (how == RUN_BLOCKS) {
                tm_run(t, 100);
            } else {
                for (int k = 0; k < 100 && !c->halted; k++) {
                    if (how == RUN_INTERP)
                        c->fw_n = 0;
                    cpu_step(c);
                }
            }
            CHECK(c->halted);
            CHECK_EQ(c->gpr[R_EDI], 30u + (unsigned)carry);
            CHECK_EQ(c->gpr[R_ECX], 0);
            /* after ADC 20+10+cf: nothing set but PF for 30 (0x1E: 4 ones), 31 (5 ones) none */
            CHECK_EQ(tm_rd32(t, STACK - 4) & FL_ARITH, carry ? 0u : FL_PF);
            tm_free(t);
        }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 6000;
    test_adc_after_loop();
    test_random_programs(n);
    if (failures)
        fprintf(stderr, "%d failing cases\n", failures);
    return test_summary("test_cpu_incdec");
}
