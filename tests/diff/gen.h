/* Random i386 instruction streams for the differential tester.
 *
 * A "case" is a short straight-line program (forward branches only) that both CPUs run from
 * identical state. Every memory operand is made valid by construction: the generator picks
 * the effective address first, inside the data area, and emits MOVs that load the base and
 * index registers so the instruction lands there. ESP is never a general destination, so
 * the stack stays inside the data area.
 *
 * Memory layout shared by both CPUs (linear = physical; segment bases 0 in both modes except
 * CS in real mode):
 *
 *   0x00000 +----------------------+  data area: random bytes, every operand lands here;
 *           | data + stack         |  the stack starts at 0x8000
 *   0x10000 +----------------------+  guard: 16-bit wrap-around spill (word at 0xFFFF)
 *   0x20000 +----------------------+  code (real mode: CS = 0x2000, IP starts at 0)
 *   0x30000 +----------------------+  GDT (protected mode)
 */
#ifndef PW_DIFF_GEN_H
#define PW_DIFF_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIFF_DATA_BASE 0x00000u
#define DIFF_DATA_SIZE 0x20000u   /* data + guard: compared after each case */
#define DIFF_CODE_BASE 0x20000u
#define DIFF_CODE_MAX 0x1000u
#define DIFF_STACK_TOP 0x8000u
/* Protected mode: a GDT with null, 0x08 flat 32-bit code (DPL 0) and 0x10 flat data. */
#define DIFF_GDT_BASE 0x30000u
#define DIFF_GDT_CODE32 0x00CF9B000000FFFFull
#define DIFF_GDT_DATA32 0x00CF93000000FFFFull
#define DIFF_MAX_INSNS 256

/* Instruction groups: one can be selected per run (--group) so the quick tests stay
 * focussed and a failure names its family. */
enum gen_group {
    G_ALU, G_INCDEC, G_MULDIV, G_SHIFT, G_BITS, G_BCD, G_MOVE, G_STACK, G_BRANCH,
    G_STRING, G_FLAGOPS, G_TRAPS, G_NGROUPS
};
extern const char *const gen_group_names[G_NGROUPS];

/* How the flags an instruction leaves undefined are worked out (see flags.md). */
enum flag_rule {
    FR_NONE,         /* every flag it writes is defined                                    */
    FR_FIXED,        /* 'undef' holds the mask                                            */
    FR_SHIFT,        /* SHL/SHR/SAR: count from imm or CL, width 'width'                   */
    FR_ROT,          /* ROL/ROR: OF undefined unless count == 1                            */
    FR_RCX,          /* RCL/RCR: OF undefined unless count == 1                            */
    FR_SHXD,         /* SHLD/SHRD                                                          */
    FR_BSX,          /* BSF/BSR: fixed mask, destination undefined when the source is 0   */
};

struct gen_insn {
    uint32_t off;            /* offset from the start of the case's code                  */
    uint8_t len;
    uint8_t group;           /* enum gen_group; setup MOVs keep the group of their user     */
    uint8_t rule;            /* enum flag_rule                                             */
    uint8_t width;           /* operand size in bits, for FR_SHIFT/ROT/SHXD                */
    int16_t count_imm;       /* shift count from the encoding, or -1 when it is CL         */
    uint8_t dst_reg;         /* FR_BSX: the destination register                          */
    bool setup;              /* emitted to place an operand, not a test by itself          */
    uint32_t undef;          /* FR_FIXED / FR_BSX: EFLAGS bits left undefined             */
    const char *name;
};

struct gen_case {
    bool code32;
    uint8_t code[DIFF_CODE_MAX];
    uint32_t len;
    struct gen_insn insn[DIFF_MAX_INSNS];
    int n;
};

struct gen_rng { uint64_t s; };
uint32_t gen_rand(struct gen_rng *r);

/* Fills 'out' with one case: 'ninsn' tested instructions from 'groups' (bit mask of
 * 1 << enum gen_group) plus the setup they need. */
void gen_case(struct gen_rng *r, bool code32, uint32_t groups, int ninsn, struct gen_case *out);
/* The record of the instruction starting at code offset 'off', or NULL. */
const struct gen_insn *gen_find(const struct gen_case *gc, uint32_t off);
/* EFLAGS bits left undefined by 'gi' given the state before it ran (ecx: CL for counts). */
uint32_t gen_undef_flags(const struct gen_insn *gi, uint32_t ecx_before);

#endif
