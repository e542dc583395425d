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
/* Segments (ES CS SS DS FS GS). The data segments have different, small bases so that an
 * access through the wrong segment register shows up as a memory or register difference;
 * SS has base 0 and every base keeps effective addresses (<= 0FF00H) inside the data area.
 * Real mode: selector << 4. Protected mode: a GDT at DIFF_GDT_BASE with null, 0x08 flat
 * 32-bit code (DPL 0), 0x10 flat data, and data segments 0x18.. with the bases below. */
#define DIFF_GDT_BASE 0x30000u
#define DIFF_GDT_CODE32 0x00CF9B000000FFFFull
#define DIFF_GDT_DATA32 0x00CF93000000FFFFull
#define DIFF_GDT_N 7
static const uint16_t diff_sel_real[6] = {0x0080, 0x2000, 0x0000, 0x0010, 0x0100, 0x0180};
static const uint16_t diff_sel_prot[6] = {0x20, 0x08, 0x10, 0x18, 0x28, 0x30};
/* descriptor i of the GDT: base from the table, limit 4 GiB, DPL 0 */
static inline uint64_t diff_gdt_entry(int i)
{
    static const uint32_t base[DIFF_GDT_N] = {0, 0, 0, 0x100, 0x800, 0x1000, 0x1800};
    if (i == 0)
        return 0;
    if (i == 1)
        return DIFF_GDT_CODE32;
    uint64_t b = base[i];
    return DIFF_GDT_DATA32 | (b & 0xFFFFFFu) << 16 | (b >> 24) << 56;
}
static inline uint32_t diff_gdt_base(uint16_t sel)
{
    uint64_t d = diff_gdt_entry(sel >> 3);
    return (uint32_t)((d >> 16) & 0xFFFFFFu) | (uint32_t)(d >> 56) << 24;
}
#define DIFF_MAX_INSNS 256

/* Instruction groups: one can be selected per run (--group) so the quick tests stay
 * focussed and a failure names its family. */
enum gen_group {
    G_ALU, G_INCDEC, G_MULDIV, G_SHIFT, G_BITS, G_BCD, G_MOVE, G_STACK, G_BRANCH,
    G_STRING, G_FLAGOPS, G_TRAPS,
    G_I486,        /* BSWAP, XADD, CMPXCHG: only with --cpu 486 */
    G_NGROUPS
};
#define GEN_GROUPS_386 ((1u << G_I486) - 1)
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
