/* The contract between the two halves of the interpreter.
 *
 *  core (cpu.c, decode.c, optab.c, mem.c, flags.c, ops_*.c): fetch/decode/dispatch, the step
 *    loop with its single setjmp, operand and memory access with segment checks, the integer
 *    instruction set, lazy flags.
 *  system (seg.c, except.c, far.c, task.c, sysops.c, io.c): descriptor tables, segment loads
 *    with protection checks, exception/interrupt delivery (real, protected, V86; double and
 *    triple fault), far transfers across privilege levels, hardware task switches, control
 *    registers, I/O permission.
 *
 * Faults: anything that detects a guest fault calls cpu_raise(), which rewinds EIP to the
 * faulting instruction (for faults) and longjmps to the step loop; the loop then calls
 * cpu_deliver_exception(). Nothing else longjmps. */
#ifndef PW_CPU_INTERNAL_H
#define PW_CPU_INTERNAL_H

#include "cpu/cpu.h"

#if defined(__GNUC__)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#else
#define likely(x) (x)
#define unlikely(x) (x)
#endif

/* ================= provided by the core ================= */

/* Raise a fault/trap: err = CPU_NO_ERR when the vector has no error code. For faults EIP is
 * rewound to c->insn_eip so the instruction restarts after the handler. Never returns. */
_Noreturn void cpu_raise(struct cpu *c, int vec, uint32_t err);
/* #PF from the MMU's last refused access: sets CR2, raises with mmu->fault.err. */
_Noreturn void cpu_raise_pf(struct cpu *c);

/* Linear-address accesses with the MMU, raising #PF on failure. 'user' selects CPL-3 rights;
 * implicit supervisor accesses (descriptor tables, TSS, interrupt stacks of ring 0) pass
 * false. */
uint8_t lin_read8(struct cpu *c, uint32_t lin, bool user);
uint16_t lin_read16(struct cpu *c, uint32_t lin, bool user);
uint32_t lin_read32(struct cpu *c, uint32_t lin, bool user);
void lin_write8(struct cpu *c, uint32_t lin, bool user, uint8_t v);
void lin_write16(struct cpu *c, uint32_t lin, bool user, uint16_t v);
void lin_write32(struct cpu *c, uint32_t lin, bool user, uint32_t v);

/* Segmented accesses with limit/rights checks (#GP, or #SS for the stack segment) at the
 * current CPL. */
uint32_t seg_read(struct cpu *c, int sreg, uint32_t off, unsigned size);
void seg_write(struct cpu *c, int sreg, uint32_t off, unsigned size, uint32_t val);

/* Stack at the current SS:ESP with the current stack size (SS.B). */
void cpu_push(struct cpu *c, uint32_t val, unsigned size);
uint32_t cpu_pop(struct cpu *c, unsigned size);

/* Lazy flags <-> EFLAGS. cpu_get_eflags() / cpu_set_eflags() in cpu.h; the system half
 * uses those only. */

/* ================= provided by the system half ================= */

/* MOV/POP Sreg, LDS/LES/LFS/LGS/LSS: loads with all protected-mode checks (#GP/#SS/#NP with
 * the selector as error code); real and V86 mode: base = sel << 4. Loading SS sets the
 * interrupt shadow (done by the caller). CS is never loaded this way. */
void cpu_load_seg(struct cpu *c, int sreg, uint16_t sel);

/* Far transfers. op32 selects the operand size for pushed/popped values. */
void cpu_jmp_far(struct cpu *c, uint16_t sel, uint32_t off);
void cpu_call_far(struct cpu *c, uint16_t sel, uint32_t off, bool op32);
void cpu_ret_far(struct cpu *c, bool op32, uint16_t imm);
void cpu_iret(struct cpu *c, bool op32);

/* Interrupt delivery. kind says which rules apply (INT n checks the gate DPL against CPL and,
 * in V86 mode, IOPL; external interrupts and exceptions do not). eip_after is the EIP to push
 * for software interrupts and traps (the next instruction). */
enum cpu_int_kind { INT_EXTERNAL, INT_SOFT, INT_SOFT_INT3, INT_SOFT_INTO, INT_EXCEPTION };
void cpu_interrupt(struct cpu *c, uint8_t vec, enum cpu_int_kind kind, bool has_err, uint32_t err);
/* Called by the step loop after cpu_raise(): applies the double-fault table (Intel 386
 * manual 9.8.8) and shutdown on a triple fault (returns false when the CPU shut down). */
bool cpu_deliver_exception(struct cpu *c, int vec, uint32_t err);

/* Control and debug registers (MOV CRn/DRn, LMSW, CLTS, SMSW), with the MMU told. */
void cpu_write_cr(struct cpu *c, int n, uint32_t val);
uint32_t cpu_read_cr(struct cpu *c, int n);
void cpu_write_dr(struct cpu *c, int n, uint32_t val);
uint32_t cpu_read_dr(struct cpu *c, int n);

/* Descriptor-table instructions. */
void cpu_lldt(struct cpu *c, uint16_t sel);
void cpu_ltr(struct cpu *c, uint16_t sel);
/* LAR/LSL/VERR/VERW: return false (ZF=0) when the selector fails the checks. */
bool cpu_lar(struct cpu *c, uint16_t sel, uint32_t *out);
bool cpu_lsl(struct cpu *c, uint16_t sel, uint32_t *out);
bool cpu_verr(struct cpu *c, uint16_t sel);
bool cpu_verw(struct cpu *c, uint16_t sel);

/* I/O permission for IN/OUT/INS/OUTS: returns or raises #GP(0) (IOPL vs CPL, V86, the TSS
 * I/O bitmap). */
void cpu_check_io(struct cpu *c, uint16_t port, unsigned size);
/* POPF/IRET flag writes with the rules of the current mode and CPL (IOPL, IF, VM, RF). */
void cpu_write_flags_checked(struct cpu *c, uint32_t val, uint32_t size_mask);
/* CLI/STI permission (IOPL); raises #GP(0) when not allowed. */
void cpu_check_iopl(struct cpu *c);

/* Recomputes derived mode state after CR0.PE, EFLAGS.VM or CS changes (cpl, code/stack
 * size caches the core keeps). Implemented by the core; called by both halves. */
void cpu_mode_changed(struct cpu *c);

#endif
