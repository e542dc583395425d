/* Decimal adjust: DAA DAS AAA AAS AAM AAD (Intel 386 manual 17.2.2.11). Where the manual
 * leaves flags undefined we follow what the instructions compute on common hardware:
 * DAA/DAS clear OF; AAA/AAS leave SF/ZF/PF/OF; AAM/AAD set SF/ZF/PF from AL and clear
 * CF/AF/OF. */
#include "cpu/ops.h"

void op_daa(struct cpu *c, struct insn *i)
{
    flags_materialize(c);
    uint8_t al = (uint8_t)c->gpr[R_EAX], old = al;
    bool cf = c->eflags & FL_CF, af = false, ncf = false;
    if ((al & 0xF) > 9 || (c->eflags & FL_AF)) {
        ncf = cf || al > 0xF9;
        al += 6;
        af = true;
    }
    if (old > 0x99 || cf) {
        al += 0x60;
        ncf = true;
    }
    set_r8(c, 0, al);
    flags_put(c, FL_ARITH, flags_szp(al, 0) | (ncf ? FL_CF : 0) | (af ? FL_AF : 0));
}

void op_das(struct cpu *c, struct insn *i)
{
    flags_materialize(c);
    uint8_t al = (uint8_t)c->gpr[R_EAX], old = al;
    bool cf = c->eflags & FL_CF, af = false, ncf = false;
    if ((al & 0xF) > 9 || (c->eflags & FL_AF)) {
        ncf = cf || al < 6;
        al -= 6;
        af = true;
    }
    if (old > 0x99 || cf) {
        al -= 0x60;
        ncf = true;
    }
    set_r8(c, 0, al);
    flags_put(c, FL_ARITH, flags_szp(al, 0) | (ncf ? FL_CF : 0) | (af ? FL_AF : 0));
}

void op_aaa(struct cpu *c, struct insn *i)
{
    flags_materialize(c);
    uint8_t al = (uint8_t)c->gpr[R_EAX], ah = (uint8_t)(c->gpr[R_EAX] >> 8);
    if ((al & 0xF) > 9 || (c->eflags & FL_AF)) {
        ah += 1 + (al > 0xF9);
        al = (al + 6) & 0xF;
        c->eflags |= FL_AF | FL_CF;
    } else {
        al &= 0xF;
        c->eflags &= ~(FL_AF | FL_CF);
    }
    set_r16(c, R_EAX, (uint16_t)(ah << 8 | al));
}

void op_aas(struct cpu *c, struct insn *i)
{
    flags_materialize(c);
    uint8_t al = (uint8_t)c->gpr[R_EAX], ah = (uint8_t)(c->gpr[R_EAX] >> 8);
    if ((al & 0xF) > 9 || (c->eflags & FL_AF)) {
        ah -= 1 + (al < 6);
        al = (al - 6) & 0xF;
        c->eflags |= FL_AF | FL_CF;
    } else {
        al &= 0xF;
        c->eflags &= ~(FL_AF | FL_CF);
    }
    set_r16(c, R_EAX, (uint16_t)(ah << 8 | al));
}

void op_aam_Ib(struct cpu *c, struct insn *i)
{
    uint8_t base = fetch8(c, i);
    if (!base)
        cpu_raise(c, EXC_DE, CPU_NO_ERR);
    uint8_t al = (uint8_t)c->gpr[R_EAX];
    uint8_t nal = al % base;
    set_r16(c, R_EAX, (uint16_t)((al / base) << 8 | nal));
    flags_set(c, LF_LOGIC, 0, nal, 0, nal);
}

void op_aad_Ib(struct cpu *c, struct insn *i)
{
    uint8_t base = fetch8(c, i);
    uint8_t al = (uint8_t)c->gpr[R_EAX], ah = (uint8_t)(c->gpr[R_EAX] >> 8);
    uint8_t nal = (uint8_t)(al + ah * base);
    set_r16(c, R_EAX, nal);
    flags_set(c, LF_LOGIC, 0, nal, 0, nal);
}
