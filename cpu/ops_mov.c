/* Data movement: MOV (all forms incl. Sreg and moffs), MOVZX, MOVSX, XCHG, XLAT, LEA,
 * CBW/CWDE, CWD/CDQ, PUSH/POP (registers, immediates, Sreg, Ev), PUSHA/POPA, ENTER, LEAVE,
 * LAHF/SAHF, BOUND, LDS/LES/LSS/LFS/LGS (Intel 386 manual 17.2.2.11).
 *
 * Instructions that change several things do every memory access that can fault first and
 * update registers last, so a fault leaves the machine as before the instruction. */
#include "cpu/ops.h"

void op_mov_Eb_Gb(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    set_Eb(c, i, get_r8(c, i->reg));
}
void op_mov_Ev_Gv(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    set_Ev(c, i, get_rv(c, i, i->reg));
}
void op_mov_Gb_Eb(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    set_r8(c, i->reg, get_Eb(c, i));
}
void op_mov_Gv_Ev(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    set_rv(c, i, i->reg, get_Ev(c, i));
}

/* 8C: MOV Ew,Sw. A register destination with 32-bit operand size gets the selector
 * zero-extended; memory always takes 16 bits. */
void op_mov_Ew_Sw(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    if (i->reg > 5)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    uint16_t sel = c->seg[i->reg].sel;
    if (i->mod == 3)
        set_rv(c, i, i->rm, sel);
    else
        mem_write16(c, i->seg, i->ea, sel);
}

/* 8E: MOV Sw,Ew. CS cannot be loaded this way (#UD); loading SS holds interrupts off for
 * one instruction (386 manual 17.2.2.11 "MOV", the SS:ESP pair). */
void op_mov_Sw_Ew(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    if (i->reg > 5 || i->reg == SEG_CS)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    uint16_t sel = get_Ew(c, i);
    cpu_load_seg(c, i->reg, sel);
    if (i->reg == SEG_SS)
        cpu_set_shadow(c);
}

static uint32_t moffs(struct cpu *c, struct insn *i)
{
    return i->a32 ? fetch32(c, i) : fetch16(c, i);
}
void op_mov_AL_Ob(struct cpu *c, struct insn *i)
{
    uint32_t off = moffs(c, i);
    set_r8(c, 0, mem_read8(c, i->seg, off));
}
void op_mov_eAX_Ov(struct cpu *c, struct insn *i)
{
    uint32_t off = moffs(c, i);
    set_rv(c, i, R_EAX, mem_readv(c, i, i->seg, off));
}
void op_mov_Ob_AL(struct cpu *c, struct insn *i)
{
    uint32_t off = moffs(c, i);
    mem_write8(c, i->seg, off, (uint8_t)c->gpr[R_EAX]);
}
void op_mov_Ov_eAX(struct cpu *c, struct insn *i)
{
    uint32_t off = moffs(c, i);
    mem_writev(c, i, i->seg, off, c->gpr[R_EAX]);
}

void op_mov_Zb_Ib(struct cpu *c, struct insn *i)
{
    set_r8(c, i->b & 7, fetch8(c, i));
}
void op_mov_Zv_Iv(struct cpu *c, struct insn *i)
{
    set_rv(c, i, i->b & 7, fetch_iv(c, i));
}
void op_mov_Eb_Ib(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    if (i->reg)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    set_Eb(c, i, fetch8(c, i));
}
void op_mov_Ev_Iv(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    if (i->reg)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    set_Ev(c, i, fetch_iv(c, i));
}

void op_movzx_Gv_Eb(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    set_rv(c, i, i->reg, get_Eb(c, i));
}
void op_movzx_Gv_Ew(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    set_rv(c, i, i->reg, get_Ew(c, i));
}
void op_movsx_Gv_Eb(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    set_rv(c, i, i->reg, (uint32_t)(int32_t)(int8_t)get_Eb(c, i));
}
void op_movsx_Gv_Ew(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    set_rv(c, i, i->reg, (uint32_t)(int32_t)(int16_t)get_Ew(c, i));
}

/* XCHG: memory is written before the register changes. */
void op_xchg_Eb_Gb(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    uint8_t a = get_Eb(c, i), b = get_r8(c, i->reg);
    set_Eb(c, i, b);
    set_r8(c, i->reg, a);
}
void op_xchg_Ev_Gv(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    uint32_t a = get_Ev(c, i), b = get_rv(c, i, i->reg);
    set_Ev(c, i, b);
    set_rv(c, i, i->reg, a);
}
/* 90+r: XCHG eAX,r (90 itself is NOP). */
void op_xchg_eAX_Zv(struct cpu *c, struct insn *i)
{
    unsigned r = i->b & 7;
    uint32_t a = get_rv(c, i, R_EAX), b = get_rv(c, i, r);
    set_rv(c, i, R_EAX, b);
    set_rv(c, i, r, a);
}

void op_xlat(struct cpu *c, struct insn *i)
{
    uint32_t off = c->gpr[R_EBX] + (c->gpr[R_EAX] & 0xFF);
    if (!i->a32)
        off &= 0xFFFF;
    set_r8(c, 0, mem_read8(c, i->seg, off));
}

void op_lea_Gv_M(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    if (i->mod == 3)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    set_rv(c, i, i->reg, i->ea);
}

void op_cbw(struct cpu *c, struct insn *i)
{
    if (i->op32)
        c->gpr[R_EAX] = (uint32_t)(int32_t)(int16_t)c->gpr[R_EAX];
    else
        set_r16(c, R_EAX, (uint16_t)(int16_t)(int8_t)c->gpr[R_EAX]);
}
void op_cwd(struct cpu *c, struct insn *i)
{
    if (i->op32)
        c->gpr[R_EDX] = (c->gpr[R_EAX] & 0x80000000u) ? 0xFFFFFFFFu : 0;
    else
        set_r16(c, R_EDX, (c->gpr[R_EAX] & 0x8000) ? 0xFFFF : 0);
}

/* ---- stack ---- */
static inline unsigned vsize(const struct insn *i) { return i->op32 ? 4 : 2; }

/* PUSH ESP pushes the value before the decrement (386 manual "PUSH"). */
void op_push_Zv(struct cpu *c, struct insn *i)
{
    cpu_push(c, get_rv(c, i, i->b & 7), vsize(i));
}
void op_pop_Zv(struct cpu *c, struct insn *i)
{
    uint32_t v = cpu_pop(c, vsize(i));
    set_rv(c, i, i->b & 7, v); /* POP ESP: the popped value wins over the increment */
}
void op_push_Iv(struct cpu *c, struct insn *i)
{
    cpu_push(c, fetch_iv(c, i), vsize(i));
}
void op_push_Ib(struct cpu *c, struct insn *i)
{
    cpu_push(c, (uint32_t)(int32_t)(int8_t)fetch8(c, i), vsize(i));
}

static int sreg_of(uint8_t b)
{
    switch (b) {
    case 0x06: case 0x07: return SEG_ES;
    case 0x0E: return SEG_CS;
    case 0x16: case 0x17: return SEG_SS;
    case 0x1E: case 0x1F: return SEG_DS;
    case 0xA0: case 0xA1: return SEG_FS;
    default: return SEG_GS;
    }
}
void op_push_Sw(struct cpu *c, struct insn *i)
{
    cpu_push(c, c->seg[sreg_of(i->b)].sel, vsize(i));
}
/* POP Sreg: the segment is loaded (and may fault) before ESP moves. */
void op_pop_Sw(struct cpu *c, struct insn *i)
{
    int s = sreg_of(i->b);
    bool s32 = stack32(c);
    uint32_t sp = s32 ? c->gpr[R_ESP] : (c->gpr[R_ESP] & 0xFFFF);
    uint16_t sel = (uint16_t)seg_read(c, SEG_SS, sp, 2);
    if (i->op32) /* the whole dword must be readable */
        (void)seg_read(c, SEG_SS, sp, 4);
    cpu_load_seg(c, s, sel);
    if (s32)
        c->gpr[R_ESP] = sp + vsize(i);
    else
        set_r16(c, R_ESP, (uint16_t)(sp + vsize(i)));
    if (s == SEG_SS)
        cpu_set_shadow(c);
}

/* 8F /0: POP Ev. ESP as a base register already counts the increment (386 manual "POP"). */
void op_pop_Ev(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    if (i->reg)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    unsigned n = vsize(i);
    bool s32 = stack32(c);
    uint32_t sp = s32 ? c->gpr[R_ESP] : (c->gpr[R_ESP] & 0xFFFF);
    uint32_t v = seg_read(c, SEG_SS, sp, n);
    uint32_t nsp = s32 ? sp + n : (uint16_t)(sp + n);
    if (i->mod == 3) {
        if (s32)
            c->gpr[R_ESP] = nsp;
        else
            set_r16(c, R_ESP, (uint16_t)nsp);
        set_rv(c, i, i->rm, v);
        return;
    }
    uint32_t ea = i->ea;
    if (i->base_esp)
        ea += n;
    mem_writev(c, i, i->seg, ea, v);
    if (s32)
        c->gpr[R_ESP] = nsp;
    else
        set_r16(c, R_ESP, (uint16_t)nsp);
}

/* Offsets on the stack for multi-slot instructions: SP wraps at 64K on a 16-bit stack. */
static inline uint32_t sp_off(struct cpu *c, bool s32, uint32_t sp, int32_t delta)
{
    return s32 ? sp + (uint32_t)delta : (uint16_t)(sp + (uint32_t)delta);
}
static inline void set_sp(struct cpu *c, bool s32, uint32_t sp)
{
    if (s32)
        c->gpr[R_ESP] = sp;
    else
        set_r16(c, R_ESP, (uint16_t)sp);
}

void op_pusha(struct cpu *c, struct insn *i)
{
    bool s32 = stack32(c);
    unsigned n = vsize(i);
    uint32_t sp = s32 ? c->gpr[R_ESP] : (c->gpr[R_ESP] & 0xFFFF);
    for (int r = 0; r < 8; r++)
        seg_write(c, SEG_SS, sp_off(c, s32, sp, -(int32_t)(n * (r + 1))), n, c->gpr[r]);
    set_sp(c, s32, sp_off(c, s32, sp, -(int32_t)(8 * n)));
}

void op_popa(struct cpu *c, struct insn *i)
{
    bool s32 = stack32(c);
    unsigned n = vsize(i);
    uint32_t sp = s32 ? c->gpr[R_ESP] : (c->gpr[R_ESP] & 0xFFFF);
    uint32_t v[8];
    for (int r = 0; r < 8; r++)
        v[r] = seg_read(c, SEG_SS, sp_off(c, s32, sp, (int32_t)(n * (7 - r))), n);
    for (int r = 0; r < 8; r++)
        if (r != R_ESP)
            set_rv(c, i, r, v[r]);
    set_sp(c, s32, sp_off(c, s32, sp, (int32_t)(8 * n)));
}

/* ENTER imm16, imm8: nesting level modulo 32 (386 manual "ENTER"). */
void op_enter(struct cpu *c, struct insn *i)
{
    uint16_t size = fetch16(c, i);
    unsigned level = fetch8(c, i) & 31;
    bool s32 = stack32(c);
    unsigned n = vsize(i);
    uint32_t sp = s32 ? c->gpr[R_ESP] : (c->gpr[R_ESP] & 0xFFFF);
    uint32_t bp = c->gpr[R_EBP];
    sp = sp_off(c, s32, sp, -(int32_t)n);
    seg_write(c, SEG_SS, sp, n, bp);
    uint32_t frame = sp;
    if (level) {
        for (unsigned l = 1; l < level; l++) {
            bp = s32 ? bp - n : (uint16_t)(bp - n);
            uint32_t v = seg_read(c, SEG_SS, s32 ? bp : (bp & 0xFFFF), n);
            sp = sp_off(c, s32, sp, -(int32_t)n);
            seg_write(c, SEG_SS, sp, n, v);
        }
        sp = sp_off(c, s32, sp, -(int32_t)n);
        seg_write(c, SEG_SS, sp, n, frame);
    }
    sp = sp_off(c, s32, sp, -(int32_t)size);
    set_rv(c, i, R_EBP, frame);
    set_sp(c, s32, sp);
}

void op_leave(struct cpu *c, struct insn *i)
{
    bool s32 = stack32(c);
    unsigned n = vsize(i);
    uint32_t sp = s32 ? c->gpr[R_EBP] : (c->gpr[R_EBP] & 0xFFFF);
    uint32_t v = seg_read(c, SEG_SS, sp, n);
    set_sp(c, s32, sp_off(c, s32, sp, (int32_t)n));
    set_rv(c, i, R_EBP, v);
}

/* LAHF/SAHF: SF ZF - AF - PF - CF in AH (bit 1 reads as 1). */
void op_lahf(struct cpu *c, struct insn *i)
{
    uint32_t f = cpu_get_eflags(c);
    set_r8(c, 4, (uint8_t)((f & (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF)) | 0x2));
}
void op_sahf(struct cpu *c, struct insn *i)
{
    uint32_t ah = (c->gpr[R_EAX] >> 8) & 0xFF;
    flags_put(c, FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF, ah);
}

/* BOUND Gv,Ma: #BR (a fault) when the signed index is outside [lower, upper]. */
void op_bound_Gv_Ma(struct cpu *c, struct insn *i)
{
    decode_modrm(c, i);
    if (i->mod == 3)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    int32_t idx, lo, hi;
    uint32_t hi_off = i->ea + vsize(i);
    if (!i->a32)
        hi_off &= 0xFFFF;
    if (i->op32) {
        idx = (int32_t)c->gpr[i->reg];
        lo = (int32_t)mem_read32(c, i->seg, i->ea);
        hi = (int32_t)mem_read32(c, i->seg, hi_off);
    } else {
        idx = (int16_t)c->gpr[i->reg];
        lo = (int16_t)mem_read16(c, i->seg, i->ea);
        hi = (int16_t)mem_read16(c, i->seg, hi_off);
    }
    if (idx < lo || idx > hi)
        cpu_raise(c, EXC_BR, CPU_NO_ERR);
}

/* LDS/LES/LSS/LFS/LGS Gv,Mp: offset then selector; the segment load may fault, and the
 * register changes only after it succeeded. */
static void load_far_ptr(struct cpu *c, struct insn *i, int sreg)
{
    decode_modrm(c, i);
    if (i->mod == 3)
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    uint32_t off = mem_readv(c, i, i->seg, i->ea);
    uint32_t sel_off = i->ea + vsize(i);
    if (!i->a32)
        sel_off &= 0xFFFF;
    uint16_t sel = mem_read16(c, i->seg, sel_off);
    cpu_load_seg(c, sreg, sel);
    set_rv(c, i, i->reg, off);
}
void op_les_Gv_Mp(struct cpu *c, struct insn *i) { load_far_ptr(c, i, SEG_ES); }
void op_lds_Gv_Mp(struct cpu *c, struct insn *i) { load_far_ptr(c, i, SEG_DS); }
void op_lss_Gv_Mp(struct cpu *c, struct insn *i) { load_far_ptr(c, i, SEG_SS); }
void op_lfs_Gv_Mp(struct cpu *c, struct insn *i) { load_far_ptr(c, i, SEG_FS); }
void op_lgs_Gv_Mp(struct cpu *c, struct insn *i) { load_far_ptr(c, i, SEG_GS); }
