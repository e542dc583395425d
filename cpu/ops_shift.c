/* Shifts and rotates: group 2 (C0 C1 D0-D3: ROL ROR RCL RCR SHL SHR SAL SAR), SHLD, SHRD
 * (Intel 386 manual 17.2.2.11, "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD").
 *
 * The count is masked to 5 bits; a masked count of 0 changes nothing (no flags, no
 * write). OF is defined for 1-bit shifts only; for longer ones we produce the same formula
 * (what common hardware and emulators do). AF after shifts is undefined; we clear it. */
#include "cpu/ops.h"

/* Returns the result; *lf_out gets lazy flags, or (for rotates) *eager the CF/OF values
 * to merge with the other flags unchanged. */
static uint32_t shift_op(struct cpu *c, unsigned op, unsigned sz, uint32_t v, unsigned cnt,
                         struct cpu_lazyflags *lf, bool *lazy, uint32_t *eager)
{
    unsigned bits = 8u << sz;
    uint32_t m = sz_mask(sz), s = sz_sign(sz);
    uint32_t r, cf;
    v &= m;
    *lazy = false;
    switch (op) {
    case 0: { /* ROL */
        unsigned n = cnt & (bits - 1);
        r = n ? ((v << n) | (v >> (bits - n))) & m : v;
        cf = r & 1;
        *eager = (cf ? FL_CF : 0) | ((((r & s) != 0) ^ cf) ? FL_OF : 0);
        return r;
    }
    case 1: { /* ROR */
        unsigned n = cnt & (bits - 1);
        r = n ? ((v >> n) | (v << (bits - n))) & m : v;
        cf = (r & s) != 0;
        *eager = (cf ? FL_CF : 0) | ((((r ^ (r << 1)) & s) != 0) ? FL_OF : 0);
        return r;
    }
    case 2: { /* RCL: rotate through CF, a (bits+1)-bit rotation */
        unsigned n = sz == 2 ? cnt : cnt % (bits + 1);
        uint64_t x = ((uint64_t)(flags_cf(c) ? 1 : 0) << bits) | v; /* CF:value */
        if (n)
            x = ((x << n) | (x >> (bits + 1 - n))) & ((2ull << bits) - 1);
        r = (uint32_t)x & m;
        cf = (uint32_t)(x >> bits) & 1;
        *eager = (cf ? FL_CF : 0) | ((((r & s) != 0) ^ cf) ? FL_OF : 0);
        if (!n) { /* a multiple of bits+1: nothing moves, flags stay */
            *eager = c->lf.op == LF_NONE ? c->eflags : flags_compute(&c->lf, c->eflags);
            *eager &= FL_CF | FL_OF;
        }
        return r;
    }
    case 3: { /* RCR */
        unsigned n = sz == 2 ? cnt : cnt % (bits + 1);
        uint64_t x = ((uint64_t)(flags_cf(c) ? 1 : 0) << bits) | v;
        if (n)
            x = ((x >> n) | (x << (bits + 1 - n))) & ((2ull << bits) - 1);
        r = (uint32_t)x & m;
        cf = (uint32_t)(x >> bits) & 1;
        *eager = (cf ? FL_CF : 0) | ((((r ^ (r << 1)) & s) != 0) ? FL_OF : 0);
        if (!n) {
            *eager = c->lf.op == LF_NONE ? c->eflags : flags_compute(&c->lf, c->eflags);
            *eager &= FL_CF | FL_OF;
        }
        return r;
    }
    case 4:
    case 6: /* SHL/SAL */
        *lazy = true;
        lf->op = LF_OP(LF_SHL, sz);
        lf->op1 = (v << (cnt - 1)) & m;
        r = (v << cnt) & m;
        break;
    case 5: /* SHR */
        *lazy = true;
        lf->op = LF_OP(LF_SHR, sz);
        lf->op1 = v >> (cnt - 1);
        r = v >> cnt;
        break;
    default: { /* SAR */
        int32_t sv = sz == 0 ? (int8_t)v : sz == 1 ? (int16_t)v : (int32_t)v;
        *lazy = true;
        lf->op = LF_OP(LF_SAR, sz);
        lf->op1 = (uint32_t)(sv >> (cnt - 1)) & m;
        r = (uint32_t)(sv >> cnt) & m;
        break;
    }
    }
    lf->op2 = cnt;
    lf->res = r;
    return r;
}

static void commit(struct cpu *c, bool lazy, const struct cpu_lazyflags *lf, uint32_t eager)
{
    if (lazy)
        c->lf = *lf;
    else
        flags_put(c, FL_CF | FL_OF, eager);
}

static void grp2_Eb(struct cpu *c, struct insn *i, unsigned cnt)
{
    cnt &= 31;
    uint8_t v = get_Eb(c, i);
    if (!cnt)
        return;
    struct cpu_lazyflags lf;
    bool lazy;
    uint32_t eager;
    uint8_t r = (uint8_t)shift_op(c, i->reg, 0, v, cnt, &lf, &lazy, &eager);
    set_Eb(c, i, r);
    commit(c, lazy, &lf, eager);
}

static inline __attribute__((always_inline)) void grp2_Ev(struct cpu *c, struct insn *i, unsigned cnt)
{
    cnt &= 31;
    uint32_t v = get_Ev(c, i);
    if (!cnt)
        return;
    if (i->reg >= 4) {
        /* SHL/SAL, SHR, SAR: only the lazy record, as shift_op would fill it */
        unsigned sz = v_sz(i);
        uint32_t m = sz_mask(sz), op1, r, kind;
        v &= m;
        if (i->reg == 5) {
            kind = LF_SHR;
            op1 = v >> (cnt - 1);
            r = v >> cnt;
        } else if (i->reg == 7) {
            int32_t sv = sz == 1 ? (int16_t)v : (int32_t)v;
            kind = LF_SAR;
            op1 = (uint32_t)(sv >> (cnt - 1)) & m;
            r = (uint32_t)(sv >> cnt) & m;
        } else {
            kind = LF_SHL;
            op1 = (v << (cnt - 1)) & m;
            r = (v << cnt) & m;
        }
        set_Ev(c, i, r);
        flags_set(c, kind, sz, op1, cnt, r);
        return;
    }
    struct cpu_lazyflags lf;
    bool lazy;
    uint32_t eager;
    uint32_t r = shift_op(c, i->reg, v_sz(i), v, cnt, &lf, &lazy, &eager);
    set_Ev(c, i, r);
    commit(c, lazy, &lf, eager);
}

void op_grp2_Eb_Ib(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    grp2_Eb(c, i, fetch8(c, i));
}
void op_grp2_Ev_Ib(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    grp2_Ev(c, i, fetch8(c, i));
}
void op_grp2_Eb_1(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    grp2_Eb(c, i, 1);
}
void op_grp2_Ev_1(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    grp2_Ev(c, i, 1);
}
void op_grp2_Eb_CL(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    grp2_Eb(c, i, c->gpr[R_ECX] & 0xFF);
}
void op_grp2_Ev_CL(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    grp2_Ev(c, i, c->gpr[R_ECX] & 0xFF);
}

/* SHLD/SHRD: the destination is shifted and the vacated bits come from the source. With a
 * 16-bit operand and a count above 16 the manual leaves the result undefined; we shift the
 * 48-bit string dst:src:dst as common implementations do. */
static void shxd(struct cpu *c, struct insn *i, unsigned cnt, bool left)
{
    cnt &= 31;
    uint32_t d = get_Ev(c, i), s = get_rv(c, i, i->reg);
    if (!cnt)
        return;
    unsigned sz = v_sz(i);
    uint32_t r, prev;
    if (i->op32) {
        if (left) {
            uint64_t x = (uint64_t)d << 32 | s;
            r = (uint32_t)((x << cnt) >> 32);
            prev = (uint32_t)((x << (cnt - 1)) >> 32);
        } else {
            uint64_t x = (uint64_t)s << 32 | d;
            r = (uint32_t)(x >> cnt);
            prev = (uint32_t)(x >> (cnt - 1));
        }
    } else {
        d &= 0xFFFF;
        s &= 0xFFFF;
        if (left) {
            uint64_t x = (uint64_t)d << 32 | (uint64_t)s << 16 | d;
            r = (uint32_t)((x << cnt) >> 32) & 0xFFFF;
            prev = (uint32_t)((x << (cnt - 1)) >> 32) & 0xFFFF;
        } else {
            uint64_t x = (uint64_t)d << 32 | (uint64_t)s << 16 | d;
            r = (uint32_t)(x >> cnt) & 0xFFFF;
            prev = (uint32_t)(x >> (cnt - 1)) & 0xFFFF;
        }
    }
    set_Ev(c, i, r);
    flags_set(c, left ? LF_SHL : LF_SHR, sz, prev, cnt, r);
}

void op_shld_Ev_Gv_Ib(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    shxd(c, i, fetch8(c, i), true);
}
void op_shld_Ev_Gv_CL(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    shxd(c, i, c->gpr[R_ECX], true);
}
void op_shrd_Ev_Gv_Ib(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    shxd(c, i, fetch8(c, i), false);
}
void op_shrd_Ev_Gv_CL(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    shxd(c, i, c->gpr[R_ECX], false);
}
