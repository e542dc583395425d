/* Flag and processor-control instructions: CLC STC CMC CLD STD CLI STI, PUSHF/POPF, NOP,
 * HLT, WAIT, the coprocessor escapes D8-DF, SALC, IN/OUT (Intel 386 manual 17.2.2.11).
 *
 * No 387 is present: an ESC opcode raises #NM when CR0.EM or CR0.TS is set, and otherwise
 * consumes its ModRM operand and does nothing, so FNINIT/FNSTSW leave AX as it was
 * (that is how kernels detect the missing coprocessor). WAIT raises #NM when TS and MP are
 * both set (386 manual 11.1, table 11-1 / 10.2.3). */
#include "cpu/ops.h"

void op_clc(struct cpu *c, struct insn *i) { flags_put(c, FL_CF, 0); }
void op_stc(struct cpu *c, struct insn *i) { flags_put(c, FL_CF, FL_CF); }
void op_cmc(struct cpu *c, struct insn *i) { flags_put(c, FL_CF, flags_cf(c) ? 0 : FL_CF); }
void op_cld(struct cpu *c, struct insn *i) { c->eflags &= ~FL_DF; }
void op_std(struct cpu *c, struct insn *i) { c->eflags |= FL_DF; }

void op_cli(struct cpu *c, struct insn *i)
{
    cpu_check_iopl(c);
    c->eflags &= ~FL_IF;
}
/* STI: when it sets IF, the next instruction completes before interrupts are seen. */
void op_sti(struct cpu *c, struct insn *i)
{
    cpu_check_iopl(c);
    if (!(c->eflags & FL_IF)) {
        c->eflags |= FL_IF;
        cpu_set_shadow(c);
    }
}

void op_nop(struct cpu *c, struct insn *i) {}

/* HLT is privileged (#GP(0) above CPL 0, V86 included). */
void op_hlt(struct cpu *c, struct insn *i)
{
    if (c->cpl != 0)
        cpu_raise(c, EXC_GP, 0);
    cpu_enter_halt(c);
}

void op_wait(struct cpu *c, struct insn *i)
{
    if ((c->cr0 & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP))
        cpu_raise(c, EXC_NM, CPU_NO_ERR);
}

void op_esc(struct cpu *c, struct insn *i)
{
    if (c->cr0 & (CR0_EM | CR0_TS))
        cpu_raise(c, EXC_NM, CPU_NO_ERR);
    decode_modrm(c, i);
}

/* D6 SALC (undocumented, present on the 386): AL = CF ? FF : 00. */
void op_salc(struct cpu *c, struct insn *i)
{
    set_r8(c, 0, flags_cf(c) ? 0xFF : 0);
}

/* PUSHF: VM and RF are cleared in the image (386 manual "PUSHF"); in V86 mode with IOPL
 * below 3 it is #GP(0). */
void op_pushf(struct cpu *c, struct insn *i)
{
    uint32_t f = cpu_get_eflags(c);
    if (cpu_v86(c) && ((f & FL_IOPL) >> 12) < 3)
        cpu_raise(c, EXC_GP, 0);
    cpu_push(c, f & ~(FL_VM | FL_RF), i->op32 ? 4 : 2);
}

/* POPF: the value is read, the flags written with the mode's rules (which may fault),
 * then ESP moves. */
void op_popf(struct cpu *c, struct insn *i)
{
    if (cpu_v86(c) && ((c->eflags & FL_IOPL) >> 12) < 3)
        cpu_raise(c, EXC_GP, 0);
    bool s32 = stack32(c);
    unsigned n = i->op32 ? 4 : 2;
    uint32_t sp = s32 ? c->gpr[R_ESP] : (c->gpr[R_ESP] & 0xFFFF);
    uint32_t v = seg_read(c, SEG_SS, sp, n);
    cpu_write_flags_checked(c, v, i->op32 ? 0xFFFFFFFFu : 0xFFFFu);
    if (s32)
        c->gpr[R_ESP] = sp + n;
    else
        set_r16(c, R_ESP, (uint16_t)(sp + n));
}

/* ---- port I/O ---- */
static void publish_port_io(struct cpu *c, uint16_t port, unsigned size, bool write, uint32_t v)
{
    struct pw_event ev = {.kind = PW_EV_PORT_IO};
    ev.io.port = port;
    ev.io.size = (uint8_t)size;
    ev.io.write = write;
    ev.io.val = v;
    pw_events_publish(c->events, &ev);
}

uint32_t core_port_in(struct cpu *c, uint16_t port, unsigned size)
{
    uint32_t v = c->bus.io_read ? c->bus.io_read(c->bus.opaque, port, size) : 0xFFFFFFFFu;
    if (size < 4)
        v &= (1u << (8 * size)) - 1;
    if (PW_WANTS(c->events, PW_EV_PORT_IO))
        publish_port_io(c, port, size, false, v);
    return v;
}

void core_port_out(struct cpu *c, uint16_t port, unsigned size, uint32_t v)
{
    if (size < 4)
        v &= (1u << (8 * size)) - 1;
    if (PW_WANTS(c->events, PW_EV_PORT_IO))
        publish_port_io(c, port, size, true, v);
    if (c->bus.io_write)
        c->bus.io_write(c->bus.opaque, port, size, v);
}

static void do_in(struct cpu *c, uint16_t port, unsigned size)
{
    cpu_check_io(c, port, size);
    set_acc(c, size, core_port_in(c, port, size));
}
static void do_out(struct cpu *c, uint16_t port, unsigned size)
{
    cpu_check_io(c, port, size);
    core_port_out(c, port, size, c->gpr[R_EAX]);
}

void op_in_AL_Ib(struct cpu *c, struct insn *i) { do_in(c, fetch8(c, i), 1); }
void op_in_eAX_Ib(struct cpu *c, struct insn *i) { do_in(c, fetch8(c, i), i->op32 ? 4 : 2); }
void op_out_Ib_AL(struct cpu *c, struct insn *i) { do_out(c, fetch8(c, i), 1); }
void op_out_Ib_eAX(struct cpu *c, struct insn *i) { do_out(c, fetch8(c, i), i->op32 ? 4 : 2); }
void op_in_AL_DX(struct cpu *c, struct insn *i) { do_in(c, (uint16_t)c->gpr[R_EDX], 1); }
void op_in_eAX_DX(struct cpu *c, struct insn *i) { do_in(c, (uint16_t)c->gpr[R_EDX], i->op32 ? 4 : 2); }
void op_out_DX_AL(struct cpu *c, struct insn *i) { do_out(c, (uint16_t)c->gpr[R_EDX], 1); }
void op_out_DX_eAX(struct cpu *c, struct insn *i) { do_out(c, (uint16_t)c->gpr[R_EDX], i->op32 ? 4 : 2); }

void op_ud(struct cpu *c, struct insn *i)
{
    cpu_raise(c, EXC_UD, CPU_NO_ERR);
}
