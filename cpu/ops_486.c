/* The 486 additions to the integer set: BSWAP, CMPXCHG, XADD (Intel 486 manual chapter 26).
 * On a 386 these opcodes are #UD. */
#include "cpu/ops.h"

static void need_486(struct cpu *c)
{
    if (c->model < CPU_486)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
}

/* BSWAP r32. With a 16-bit operand the result is undefined; the low word becomes 0 as on
 * the hardware we know of. */
void op_bswap_Zd(struct cpu *c, struct insn *i)
{
    need_486(c);
    unsigned r = i->b & 7;
    if (i->op32)
        c->gpr[r] = __builtin_bswap32(c->gpr[r]);
    else
        set_r16(c, r, 0);
}

/* CMPXCHG: flags as CMP accumulator,dest. Equal: dest = src. Not equal: the accumulator
 * gets dest, and dest is written back with its own value (the 486 always writes). */
void op_cmpxchg_Eb_Gb(struct cpu *c, struct insn *i)
{
    need_486(c);
    decode_modrm(c, i);
    uint8_t d = get_Eb(c, i), a = (uint8_t)c->gpr[R_EAX];
    uint8_t r = (uint8_t)(a - d);
    if (a == d) {
        set_Eb(c, i, get_r8(c, i->reg));
    } else {
        set_Eb(c, i, d);
        set_r8(c, 0, d);
    }
    flags_set(c, LF_SUB, 0, a, d, r);
}

void op_cmpxchg_Ev_Gv(struct cpu *c, struct insn *i)
{
    need_486(c);
    decode_modrm(c, i);
    unsigned sz = v_sz(i);
    uint32_t d = get_Ev(c, i), a = get_rv(c, i, R_EAX);
    uint32_t r = (a - d) & sz_mask(sz);
    if (a == d) {
        set_Ev(c, i, get_rv(c, i, i->reg));
    } else {
        set_Ev(c, i, d);
        set_rv(c, i, R_EAX, d);
    }
    flags_set(c, LF_SUB, sz, a, d, r);
}

/* XADD: dest = dest + src, src = old dest; the memory write comes first. */
void op_xadd_Eb_Gb(struct cpu *c, struct insn *i)
{
    need_486(c);
    decode_modrm(c, i);
    uint8_t d = get_Eb(c, i), s = get_r8(c, i->reg);
    uint8_t r = (uint8_t)(d + s);
    if (i->mod == 3) { /* XADD r,r with one register: the sum wins (DEST written last) */
        set_r8(c, i->reg, d);
        set_r8(c, i->rm, r);
    } else {
        set_Eb(c, i, r);
        set_r8(c, i->reg, d);
    }
    flags_set(c, LF_ADD, 0, d, s, r);
}

void op_xadd_Ev_Gv(struct cpu *c, struct insn *i)
{
    need_486(c);
    decode_modrm(c, i);
    unsigned sz = v_sz(i);
    uint32_t d = get_Ev(c, i), s = get_rv(c, i, i->reg);
    uint32_t r = (d + s) & sz_mask(sz);
    if (i->mod == 3) {
        set_rv(c, i, i->reg, d);
        set_rv(c, i, i->rm, r);
    } else {
        set_Ev(c, i, r);
        set_rv(c, i, i->reg, d);
    }
    flags_set(c, LF_ADD, sz, d, s, r);
}
