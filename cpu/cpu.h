/* The i386/i486 CPU: public interface for the board, the BIOS, the monitor and the tests.
 *
 * The CPU reaches memory only through mmu/ and the outside world only through the ops the
 * board fills in (port I/O, interrupt acknowledge). It knows nothing of devices, UI or the
 * guest kernel. Machine state lives in struct cpu; there are no globals, so several CPUs can
 * exist in one process. */
#ifndef PW_CPU_CPU_H
#define PW_CPU_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmu/events.h"
#include "mmu/mmu.h"

enum cpu_model { CPU_386 = 386, CPU_486 = 486 };

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

/* EFLAGS bits */
#define FL_CF 0x00000001u
#define FL_PF 0x00000004u
#define FL_AF 0x00000010u
#define FL_ZF 0x00000040u
#define FL_SF 0x00000080u
#define FL_TF 0x00000100u
#define FL_IF 0x00000200u
#define FL_DF 0x00000400u
#define FL_OF 0x00000800u
#define FL_IOPL 0x00003000u
#define FL_NT 0x00004000u
#define FL_RF 0x00010000u
#define FL_VM 0x00020000u
#define FL_AC 0x00040000u /* 486 */
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* CR0 bits */
#define CR0_PE 0x00000001u
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u
#define CR0_NE 0x00000020u /* 486 */
#define CR0_WP 0x00010000u /* 486 */
#define CR0_AM 0x00040000u /* 486 */
#define CR0_NW 0x20000000u /* 486 */
#define CR0_CD 0x40000000u /* 486 */
#define CR0_PG 0x80000000u

/* Exception vectors */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
    EXC_NM = 7, EXC_DF = 8, EXC_CSO = 9, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13,
    EXC_PF = 14, EXC_MF = 16, EXC_AC = 17
};
#define CPU_NO_ERR 0xFFFFFFFFu /* "this exception has no error code" */

/* A segment register with its hidden descriptor cache. */
struct cpu_seg {
    uint16_t sel;
    uint32_t base;
    uint32_t limit;  /* effective byte limit (granularity applied) */
    uint16_t attr;   /* descriptor bits 40..55: access byte | (AVL,0,D/B,G) << 8 as stored */
    bool valid;      /* false after loading a null selector in protected mode */
};
/* attr decoding */
#define SEG_ATTR_TYPE(a) ((a) & 0x0Fu)
#define SEG_ATTR_S(a) (((a) >> 4) & 1u)     /* 1: code/data, 0: system */
#define SEG_ATTR_DPL(a) (((a) >> 5) & 3u)
#define SEG_ATTR_P(a) (((a) >> 7) & 1u)
#define SEG_ATTR_DB(a) (((a) >> 14) & 1u)   /* D/B: 32-bit segment */
#define SEG_ATTR_G(a) (((a) >> 15) & 1u)

struct cpu_dtr {
    uint32_t base;
    uint16_t limit;
};

/* What the board provides. All may be called from inside cpu_run. */
struct cpu_bus_ops {
    uint32_t (*io_read)(void *opaque, uint16_t port, unsigned size);
    void (*io_write)(void *opaque, uint16_t port, unsigned size, uint32_t val);
    /* INTA: the vector of the highest-priority pending interrupt (the PIC's answer). */
    uint8_t (*intr_ack)(void *opaque);
    void *opaque;
};

/* Why cpu_run returned. */
enum cpu_stop {
    CPU_STOP_BUDGET,   /* icount reached the limit */
    CPU_STOP_HALT,     /* HLT executed; waits for an interrupt (see cpu->halted) */
    CPU_STOP_SHUTDOWN, /* triple fault: see cpu->shutdown_reason */
    CPU_STOP_REQUEST,  /* cpu_request_stop() or the step hook asked */
};

/* Called before each instruction while installed (debugger, breakpoints). Return true to
 * stop before executing it (cpu_run returns CPU_STOP_REQUEST with EIP at it). */
struct cpu;
typedef bool (*cpu_step_hook)(void *opaque, struct cpu *c);

struct cpu_lazyflags {
    uint32_t res, op1, op2;
    uint32_t op;      /* what produced res, and what op1/op2 give CF from (cpu/flags.h) */
};

struct cpu {
    /* ---- architectural state ---- */
    uint32_t gpr[8];
    uint32_t ea_zero;            /* always 0: what a decoded address reads for an absent
                                    base or index register (cpu/dcache.h) */
    uint32_t eip;
    uint32_t eflags;             /* all bits but the arithmetic ones when lazy (see flags.h) */
    struct cpu_lazyflags lf;
    struct cpu_seg seg[6];
    struct cpu_dtr gdtr, idtr;
    struct cpu_seg ldtr, tr;     /* ldtr/tr hidden parts; tr.attr type says 286/386 TSS */
    uint32_t cr0, cr2, cr3, cr4;
    uint32_t dr[8];
    unsigned cpl;
    int model;                   /* enum cpu_model */

    /* ---- execution state ---- */
    uint64_t icount;             /* retired instructions (exact) */
    uint64_t icount_limit;       /* cpu_run stops when icount reaches it */
    uint32_t insn_eip;           /* EIP of the instruction being executed */
    bool halted;                 /* in HLT, until an interrupt (or NMI) arrives */
    bool intr;                   /* INTR pin level (set by the board) */
    bool nmi_pending;
    bool nmi_blocked;            /* an NMI was delivered: the next waits for an IRET */
    bool inhibit_irq;            /* one-instruction interrupt shadow (STI, MOV/POP SS) */
    bool stop_request;
    uint32_t pending;            /* any of intr/nmi/stop/hook: checked once per instruction */
    int fault_depth;             /* exceptions being delivered (double/triple fault) */
    uint64_t stall_icount;       /* icount at the last exception delivery */
    uint32_t stall_count;        /* deliveries since an instruction last retired */
    const char *shutdown_reason;
    char shutdown_msg[160];

    struct mmu *mmu;
    struct pw_events *events;
    struct cpu_bus_ops bus;
    cpu_step_hook hook;
    void *hook_opaque;
    jmp_buf *fault_jmp;          /* the step loop's recovery point */

    void *internal;              /* interpreter-private data (decode caches, ...) */

    /* ---- system half: event delivery bookkeeping (cpu/except.c) ---- */
    int sys_deliver_vec;         /* exception being delivered while fault_depth > 0 */
    int sys_df_first, sys_df_second; /* the pair that made a double fault (shutdown report) */
    bool sys_ext;                /* delivering an external event: EXT bit in error codes */

    /* ---- core caches (cpu/cpu.c; recomputed by cpu_mode_changed) ---- */
    bool code32;                 /* CS.D outside V86: default operand/address size 32 */
    bool pm_checks;              /* PE && !VM: segment type/rights are checked */
    bool prev_pe;                /* CR0.PE at the last cpu_mode_changed (CPL rule) */
    int exc_vec;                 /* the exception cpu_raise() is unwinding with */
    uint32_t exc_err;

    /* ---- code-page window kept across instructions (cpu/decode.h) ----
     * Valid for linear addresses fw_lin .. fw_lin + fw_n - 1 while CS.limit, CPL and
     * mmu->epoch are what they were when it was opened; fw_n = 0 means closed. */
    uint32_t fw_lin, fw_n, fw_limit, fw_epoch;
    const uint8_t *fw_host;      /* host byte of fw_lin */
    const struct mmu_fast *fw_slot; /* the fast-table slot it was opened from, and that */
    uintptr_t fw_addend;         /* slot's contents then: while they are unchanged, an */
    int32_t fw_slot_tlb;         /* epoch change elsewhere (an eviction) leaves it valid */
    int32_t fw_tlb_index;        /* TLB entry behind it, -1 when no replacement use is due */
    uint8_t fw_cpl;

    /* ---- segment checks for decoded instructions (cpu/dcache.h: dc_seg_forget) ----
     * Learnt while decoded instructions run (they change no segment, CPL, CR0 or
     * EFLAGS.AC): an access of size n at offset off needs no further segment check when
     * off + n <= dc_seg_end[sreg] (0: check, or not known yet), and none at all when bit
     * sreg of dc_notflat is clear (a flat segment: off is the linear address); dc_user is
     * CPL == 3, and dc_fast the MMU's read and write fast tables for that privilege,
     * dc_rquick the common case of its read misses. */
    uint64_t dc_seg_end[6];
    uint8_t dc_notflat; /* (so that the run loop tests a block's flat segments, struct
                           dblock, in one instruction: cpu/dc_run.h) */
    bool dc_user;
    struct mmu_fast *dc_fast[2]; /* [PW_ACC_READ], [PW_ACC_WRITE] */
    const mmu_read_miss_fn *dc_rquick; /* mmu_read_quick_of[dc_user] */
    /* ---- where a running block started (cpu/dc_ops.h: dc_sync) ----
     * A decoded record that touches memory sets insn_eip and icount only when an access
     * leaves the fast path (a fault, an observer, a device may look): db_eip0 + its offset
     * in the block, db_ic0 + the instructions before it. For a single record, the
     * instruction itself. */
    uint32_t db_eip0;
    uint64_t db_ic0;
};

/* Lifecycle. cpu_init returns 0, or -1 on an unsupported model. */
int cpu_init(struct cpu *c, int model, struct mmu *mmu, struct pw_events *events,
             const struct cpu_bus_ops *bus);
void cpu_free(struct cpu *c);
/* Power-on/RESET state of a 386: real mode, CS=F000 base FFFF0000, EIP=FFF0, DX=signature. */
void cpu_reset(struct cpu *c);

/* Runs until icount reaches limit, HLT, triple fault or a stop request. */
enum cpu_stop cpu_run(struct cpu *c, uint64_t limit);
/* Executes exactly one instruction (or delivers one pending interrupt, or one HLT wait). */
enum cpu_stop cpu_step(struct cpu *c);

void cpu_set_intr(struct cpu *c, bool level);   /* INTR pin from the PIC */
void cpu_raise_nmi(struct cpu *c);
void cpu_request_stop(struct cpu *c);
void cpu_set_step_hook(struct cpu *c, cpu_step_hook hook, void *opaque);

/* Register access for the BIOS, the monitor and tests (flags materialised from lazy state). */
uint32_t cpu_get_eflags(struct cpu *c);
void cpu_set_eflags(struct cpu *c, uint32_t val); /* no privilege checks: host use only */
/* Loads a segment register as the current mode does (real/V86: base = sel << 4) without
 * checks: host use only (BIOS, tests). */
void cpu_set_seg_raw(struct cpu *c, int sreg, uint16_t sel);
/* Side-effect-free reads of guest memory through the current translation (debugger, BIOS):
 * returns false when a page is not present. */
bool cpu_peek_lin(struct cpu *c, uint32_t lin, void *dst, uint32_t len);
/* Linear address of seg:off in the current mode (no checks). */
uint32_t cpu_seg_lin(const struct cpu *c, int sreg, uint32_t off);

static inline bool cpu_protected(const struct cpu *c) { return (c->cr0 & CR0_PE) != 0; }
static inline bool cpu_v86(const struct cpu *c) { return (c->eflags & FL_VM) != 0; }

#endif
