/* System instructions decoded by the core: group 6 (0F 00: SLDT STR LLDT LTR VERR VERW),
 * group 7 (0F 01: SGDT SIDT LGDT LIDT SMSW LMSW INVLPG), LAR, LSL, CLTS, MOV to/from
 * CRn/DRn, ARPL, and the 486 INVD/WBINVD (Intel 386 manual chapter 17; 486 manual for
 * INVLPG, INVD, WBINVD). The descriptor work itself is the system half's. */
#include "cpu/ops.h"

static void need_pm(struct cpu *c)
{
    if (!c->pm_checks) /* real mode and V86: these opcodes do not exist */
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
}
static void need_cpl0(struct cpu *c)
{
    if (c->cpl != 0)
        cpu_raise(c, EXC_GP, 0);
}

/* A selector to a register (zero-extended with 32-bit operand size) or 16 bits of memory. */
static void store_sel(struct cpu *c, struct insn *i, uint16_t sel)
{
    if (i->mod == 3)
        set_rv(c, i, i->rm, sel);
    else
        mem_write16(c, i->seg, i->ea, sel);
}

void op_grp6(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    need_pm(c);
    switch (i->reg) {
    case 0: store_sel(c, i, c->ldtr.sel); break;
    case 1: store_sel(c, i, c->tr.sel); break;
    case 2: {
        need_cpl0(c);
        cpu_lldt(c, get_Ew(c, i));
        break;
    }
    case 3: {
        need_cpl0(c);
        cpu_ltr(c, get_Ew(c, i));
        break;
    }
    case 4: {
        uint16_t sel = get_Ew(c, i);
        flags_put(c, FL_ZF, cpu_verr(c, sel) ? FL_ZF : 0);
        break;
    }
    case 5: {
        uint16_t sel = get_Ew(c, i);
        flags_put(c, FL_ZF, cpu_verw(c, sel) ? FL_ZF : 0);
        break;
    }
    default:
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    }
}

/* SGDT/SIDT store limit then base; with 16-bit operand size the top base byte is stored
 * as 0 (the 286-compatible 24-bit form). LGDT/LIDT likewise load 24 bits of base. */
void op_grp7(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    switch (i->reg) {
    case 0:
    case 1: {
        if (i->mod == 3)
            cpu_raise(c, EXC_UD, CPU_NO_ERR);
        const struct cpu_dtr *t = i->reg ? &c->idtr : &c->gdtr;
        uint32_t base = i->op32 ? t->base : (t->base & 0xFFFFFF);
        uint32_t off2 = i->ea + 2;
        if (!i->a32)
            off2 &= 0xFFFF;
        mem_check_write(c, i->seg, off2, 4);
        mem_write16(c, i->seg, i->ea, t->limit);
        mem_write32(c, i->seg, off2, base);
        break;
    }
    case 2:
    case 3: {
        if (i->mod == 3)
            cpu_raise(c, EXC_UD, CPU_NO_ERR);
        need_cpl0(c);
        uint32_t off2 = i->ea + 2;
        if (!i->a32)
            off2 &= 0xFFFF;
        uint16_t limit = mem_read16(c, i->seg, i->ea);
        uint32_t base = mem_read32(c, i->seg, off2);
        if (!i->op32)
            base &= 0xFFFFFF;
        struct cpu_dtr *t = i->reg == 3 ? &c->idtr : &c->gdtr;
        t->base = base;
        t->limit = limit;
        break;
    }
    case 4: { /* SMSW */
        uint32_t cr0 = cpu_read_cr(c, 0);
        if (i->mod == 3)
            set_rv(c, i, i->rm, i->op32 ? cr0 : (cr0 & 0xFFFF));
        else
            mem_write16(c, i->seg, i->ea, (uint16_t)cr0);
        break;
    }
    case 6: { /* LMSW: PE can be set, never cleared; only the low four bits change */
        need_cpl0(c);
        uint16_t v = get_Ew(c, i);
        uint32_t cr0 = cpu_read_cr(c, 0);
        uint32_t n = (cr0 & ~0xFu) | (v & 0xFu) | (cr0 & CR0_PE);
        cpu_write_cr(c, 0, n);
        cpu_mode_changed(c);
        break;
    }
    case 7: { /* INVLPG (486) */
        if (c->model < CPU_486 || i->mod == 3)
            cpu_raise(c, EXC_UD, CPU_NO_ERR);
        need_cpl0(c);
        uint32_t lin = c->seg[i->seg].base + i->ea;
        mmu_invlpg(c->mmu, lin);
        if (PW_WANTS(c->events, PW_EV_INVLPG)) {
            struct pw_event ev = {.kind = PW_EV_INVLPG};
            ev.invlpg.lin = lin;
            pw_events_publish(c->events, &ev);
        }
        break;
    }
    default:
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    }
}

/* LAR/LSL Gv,Ew: ZF=1 and the register loaded when the selector passes. */
static void lar_lsl(struct cpu *c, struct insn *i, bool (*check)(struct cpu *, uint16_t, uint32_t *))
{
    decode_modrm(c, i);
    need_pm(c);
    uint32_t out;
    uint16_t sel = get_Ew(c, i);
    if (check(c, sel, &out)) {
        set_rv(c, i, i->reg, out);
        flags_put(c, FL_ZF, FL_ZF);
    } else {
        flags_put(c, FL_ZF, 0);
    }
}
void op_lar_Gv_Ew(struct cpu *c, struct insn *i) { lar_lsl(c, i, cpu_lar); }
void op_lsl_Gv_Ew(struct cpu *c, struct insn *i) { lar_lsl(c, i, cpu_lsl); }

void op_clts(struct cpu *c, struct insn *i)
{
    need_cpl0(c);
    cpu_write_cr(c, 0, cpu_read_cr(c, 0) & ~CR0_TS);
}

/* MOV to/from CRn and DRn: the ModRM always names a register (mod is ignored); the
 * operand is always 32 bits. CR1, CR5-7 do not exist; CR4 not on the 386. */
static bool cr_exists(struct cpu *c, unsigned n)
{
    return n == 0 || n == 2 || n == 3 || (n == 4 && c->model >= CPU_486);
}
void op_mov_Rd_Cd(struct cpu *c, struct insn *i)
{
    uint8_t m = fetch8(c, i);
    unsigned reg = (m >> 3) & 7, rm = m & 7;
    if (!cr_exists(c, reg))
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    need_cpl0(c);
    c->gpr[rm] = cpu_read_cr(c, reg);
}
void op_mov_Cd_Rd(struct cpu *c, struct insn *i)
{
    uint8_t m = fetch8(c, i);
    unsigned reg = (m >> 3) & 7, rm = m & 7;
    if (!cr_exists(c, reg))
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    need_cpl0(c);
    cpu_write_cr(c, reg, c->gpr[rm]);
    cpu_mode_changed(c);
}
void op_mov_Rd_Dd(struct cpu *c, struct insn *i)
{
    uint8_t m = fetch8(c, i);
    need_cpl0(c);
    c->gpr[m & 7] = cpu_read_dr(c, (m >> 3) & 7);
}
void op_mov_Dd_Rd(struct cpu *c, struct insn *i)
{
    uint8_t m = fetch8(c, i);
    need_cpl0(c);
    cpu_write_dr(c, (m >> 3) & 7, c->gpr[m & 7]);
}

/* ARPL Ew,Gw: raise the RPL of the destination selector to the source's. */
void op_arpl_Ew_Gw(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    need_pm(c);
    uint16_t d = get_Ew(c, i), s = (uint16_t)c->gpr[i->reg];
    if ((d & 3) < (s & 3)) {
        set_Ew(c, i, (uint16_t)((d & ~3u) | (s & 3)));
        flags_put(c, FL_ZF, FL_ZF);
    } else {
        flags_put(c, FL_ZF, 0);
    }
}

/* INVD/WBINVD (486): no cache is modelled; privileged. */
void op_invd(struct cpu *c, struct insn *i)
{
    if (c->model < CPU_486)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    need_cpl0(c);
}
