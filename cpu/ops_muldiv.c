/* MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV (Intel 386 manual 17.2.2.11).
 * MUL/IMUL set CF=OF when the high half of the product is significant; SF/ZF/PF follow
 * the low half and AF is cleared (undefined in the manual). DIV/IDIV raise #DE (a fault:
 * EIP stays at the instruction) on a zero divisor or a quotient that does not fit. */
#include "cpu/ops.h"

static void mul_flags(struct cpu *c, bool wide, uint32_t low, unsigned sz)
{
    flags_put(c, FL_ARITH, (wide ? FL_CF | FL_OF : 0) | flags_szp(low, sz));
}

void muldiv_Eb(struct cpu *c, struct insn *i, unsigned op)
{
    uint8_t src = get_Eb(c, i);
    uint16_t ax = (uint16_t)c->gpr[R_EAX];
    switch (op) {
    case 4: { /* MUL */
        uint16_t r = (uint16_t)((ax & 0xFF) * src);
        set_r16(c, R_EAX, r);
        mul_flags(c, (r >> 8) != 0, r, 0);
        break;
    }
    case 5: { /* IMUL */
        int16_t r = (int16_t)((int8_t)ax * (int8_t)src);
        set_r16(c, R_EAX, (uint16_t)r);
        mul_flags(c, r != (int8_t)r, (uint32_t)r, 0);
        break;
    }
    case 6: { /* DIV */
        if (src == 0)
            cpu_raise(c, EXC_DE, CPU_NO_ERR);
        uint16_t q = ax / src, rem = ax % src;
        if (q > 0xFF)
            cpu_raise(c, EXC_DE, CPU_NO_ERR);
        set_r16(c, R_EAX, (uint16_t)(rem << 8 | q));
        break;
    }
    default: { /* IDIV */
        if (src == 0)
            cpu_raise(c, EXC_DE, CPU_NO_ERR);
        int32_t n = (int16_t)ax, d = (int8_t)src;
        int32_t q = n / d, rem = n % d;
        if (q > 127 || q < -128)
            cpu_raise(c, EXC_DE, CPU_NO_ERR);
        set_r16(c, R_EAX, (uint16_t)(((uint8_t)rem << 8) | (uint8_t)q));
        break;
    }
    }
}

void muldiv_Ev(struct cpu *c, struct insn *i, unsigned op)
{
    uint32_t src = get_Ev(c, i);
    if (!i->op32) {
        uint32_t ax = c->gpr[R_EAX] & 0xFFFF, dx = c->gpr[R_EDX] & 0xFFFF;
        switch (op) {
        case 4: {
            uint32_t r = ax * src;
            set_r16(c, R_EAX, (uint16_t)r);
            set_r16(c, R_EDX, (uint16_t)(r >> 16));
            mul_flags(c, (r >> 16) != 0, r, 1);
            break;
        }
        case 5: {
            int32_t r = (int16_t)ax * (int16_t)src;
            set_r16(c, R_EAX, (uint16_t)r);
            set_r16(c, R_EDX, (uint16_t)((uint32_t)r >> 16));
            mul_flags(c, r != (int16_t)r, (uint32_t)r, 1);
            break;
        }
        case 6: {
            if (src == 0)
                cpu_raise(c, EXC_DE, CPU_NO_ERR);
            uint32_t n = dx << 16 | ax, q = n / src, rem = n % src;
            if (q > 0xFFFF)
                cpu_raise(c, EXC_DE, CPU_NO_ERR);
            set_r16(c, R_EAX, (uint16_t)q);
            set_r16(c, R_EDX, (uint16_t)rem);
            break;
        }
        default: {
            if (src == 0)
                cpu_raise(c, EXC_DE, CPU_NO_ERR);
            int32_t n = (int32_t)(dx << 16 | ax), d = (int16_t)src;
            int64_t q = (int64_t)n / d, rem = (int64_t)n % d;
            if (q > 32767 || q < -32768)
                cpu_raise(c, EXC_DE, CPU_NO_ERR);
            set_r16(c, R_EAX, (uint16_t)q);
            set_r16(c, R_EDX, (uint16_t)rem);
            break;
        }
        }
        return;
    }
    uint32_t eax = c->gpr[R_EAX], edx = c->gpr[R_EDX];
    switch (op) {
    case 4: {
        uint64_t r = (uint64_t)eax * src;
        c->gpr[R_EAX] = (uint32_t)r;
        c->gpr[R_EDX] = (uint32_t)(r >> 32);
        mul_flags(c, (r >> 32) != 0, (uint32_t)r, 2);
        break;
    }
    case 5: {
        int64_t r = (int64_t)(int32_t)eax * (int32_t)src;
        c->gpr[R_EAX] = (uint32_t)r;
        c->gpr[R_EDX] = (uint32_t)((uint64_t)r >> 32);
        mul_flags(c, r != (int32_t)r, (uint32_t)r, 2);
        break;
    }
    case 6: {
        if (src == 0)
            cpu_raise(c, EXC_DE, CPU_NO_ERR);
        uint64_t n = (uint64_t)edx << 32 | eax, q = n / src, rem = n % src;
        if (q > 0xFFFFFFFFu)
            cpu_raise(c, EXC_DE, CPU_NO_ERR);
        c->gpr[R_EAX] = (uint32_t)q;
        c->gpr[R_EDX] = (uint32_t)rem;
        break;
    }
    default: {
        if (src == 0)
            cpu_raise(c, EXC_DE, CPU_NO_ERR);
        int64_t n = (int64_t)((uint64_t)edx << 32 | eax), d = (int32_t)src;
        if (n == INT64_MIN && d == -1) /* the quotient 2^63 does not fit either */
            cpu_raise(c, EXC_DE, CPU_NO_ERR);
        int64_t q = n / d, rem = n % d;
        if (q > INT32_MAX || q < INT32_MIN)
            cpu_raise(c, EXC_DE, CPU_NO_ERR);
        c->gpr[R_EAX] = (uint32_t)q;
        c->gpr[R_EDX] = (uint32_t)rem;
        break;
    }
    }
}

/* IMUL Gv,Ev,imm and IMUL Gv,Ev: the product truncated to the operand size. */
static void imul_to_reg(struct cpu *c, struct insn *i, uint32_t a, uint32_t b)
{
    if (i->op32) {
        int64_t r = (int64_t)(int32_t)a * (int32_t)b;
        c->gpr[i->reg] = (uint32_t)r;
        mul_flags(c, r != (int32_t)r, (uint32_t)r, 2);
    } else {
        int32_t r = (int16_t)a * (int16_t)b;
        set_r16(c, i->reg, (uint16_t)r);
        mul_flags(c, r != (int16_t)r, (uint32_t)r, 1);
    }
}

void op_imul_Gv_Ev_Iv(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    uint32_t imm = fetch_iv(c, i);
    imul_to_reg(c, i, get_Ev(c, i), imm);
}

void op_imul_Gv_Ev_Ib(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    uint32_t imm = (uint32_t)(int32_t)(int8_t)fetch8(c, i);
    imul_to_reg(c, i, get_Ev(c, i), imm);
}

void op_imul_Gv_Ev(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    imul_to_reg(c, i, get_Ev(c, i), get_rv(c, i, i->reg));
}
