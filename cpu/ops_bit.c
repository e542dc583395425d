/* Bit instructions: BT BTS BTR BTC (register and immediate offsets), BSF, BSR, SETcc
 * (Intel 386 manual 17.2.2.11). CF receives the tested bit; the other arithmetic flags are
 * left as they were (the manual calls them undefined). */
#include "cpu/ops.h"

/* op: 0 BT, 1 BTS, 2 BTR, 3 BTC */
static uint32_t bit_apply(unsigned op, uint32_t v, unsigned bit)
{
    switch (op) {
    case 1: return v | (1u << bit);
    case 2: return v & ~(1u << bit);
    case 3: return v ^ (1u << bit);
    default: return v;
    }
}

static void bit_cf(struct cpu *c, uint32_t v, unsigned bit)
{
    flags_put(c, FL_CF, (v >> bit) & 1 ? FL_CF : 0);
}

/* With a register bit offset and a memory operand, the offset is a signed bit string index:
 * the operand address moves by (offset >> 4)*2 or (offset >> 5)*4 (386 manual "BT"). */
static void bt_Ev_Gv(struct cpu *c, struct insn *i, unsigned op)
{
    decode_modrm(c, i);
    uint32_t off = get_rv(c, i, i->reg);
    unsigned bits = i->op32 ? 32 : 16;
    if (i->mod == 3) {
        unsigned bit = off & (bits - 1);
        uint32_t v = get_rv(c, i, i->rm);
        if (op)
            set_rv(c, i, i->rm, bit_apply(op, v, bit));
        bit_cf(c, v, bit);
        return;
    }
    int32_t soff = i->op32 ? (int32_t)off : (int16_t)off;
    uint32_t ea = i->ea + (uint32_t)((soff >> (i->op32 ? 5 : 4)) * (int32_t)(bits / 8));
    if (!i->a32)
        ea &= 0xFFFF;
    unsigned bit = (uint32_t)soff & (bits - 1);
    uint32_t v = mem_readv(c, i, i->seg, ea);
    if (op)
        mem_writev(c, i, i->seg, ea, bit_apply(op, v, bit));
    bit_cf(c, v, bit);
}

void op_bt_Ev_Gv(struct cpu *c, struct insn *i) { bt_Ev_Gv(c, i, 0); }
void op_bts_Ev_Gv(struct cpu *c, struct insn *i) { bt_Ev_Gv(c, i, 1); }
void op_btr_Ev_Gv(struct cpu *c, struct insn *i) { bt_Ev_Gv(c, i, 2); }
void op_btc_Ev_Gv(struct cpu *c, struct insn *i) { bt_Ev_Gv(c, i, 3); }

/* Group 8 (0F BA): /4 BT, /5 BTS, /6 BTR, /7 BTC with an immediate offset (taken modulo
 * the operand size, never moving the address). */
void op_grp8_Ev_Ib(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    if (i->reg < 4)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    unsigned bit = fetch8(c, i) & (i->op32 ? 31 : 15);
    unsigned op = i->reg - 4;
    uint32_t v = get_Ev(c, i);
    if (op)
        set_Ev(c, i, bit_apply(op, v, bit));
    bit_cf(c, v, bit);
}

/* BSF/BSR: ZF=1 and the destination unchanged when the source is 0. */
void op_bsf_Gv_Ev(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    uint32_t v = get_Ev(c, i);
    if (!v) {
        flags_put(c, FL_ZF, FL_ZF);
        return;
    }
    set_rv(c, i, i->reg, (uint32_t)__builtin_ctz(v));
    flags_put(c, FL_ZF, 0);
}

void op_bsr_Gv_Ev(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    uint32_t v = get_Ev(c, i);
    if (!v) {
        flags_put(c, FL_ZF, FL_ZF);
        return;
    }
    set_rv(c, i, i->reg, 31u - (uint32_t)__builtin_clz(v));
    flags_put(c, FL_ZF, 0);
}

void op_setcc_Eb(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    set_Eb(c, i, flags_cond(c, i->b & 15) ? 1 : 0);
}
