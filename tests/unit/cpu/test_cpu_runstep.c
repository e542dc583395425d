/* The block run loop (cpu/dc_exec.c: dc_run, reached through cpu_run) against single steps
 * (cpu_step, which never enters it).
 *
 * Each case is a random but valid 32-bit program (seeded, so every run sees the same ones)
 * built from the instruction forms the decoder covers (cpu/dc_ops.h: ALU in all forms,
 * INC/DEC/NOT/NEG, MOV/LEA/MOVZX/MOVSX, shifts, SETcc, PUSH/POP/LEAVE, Jcc/JMP/CALL/RET in
 * direct and indirect forms, the fused compare-and-branch shapes) and some only the
 * interpreter runs (PUSHF, XCHG, REP STOSB, rotates, IMUL, segment loads, MOV CR3), with:
 *  - bounded loops (EDI counts down to a backward Jcc, fused or not);
 *  - self-modifying code: stores that rewrite an immediate, an opcode byte (INC<->DEC, one
 *    Jcc condition for another) or a whole dword straddling the start of a block, in the
 *    same block, in a later block, or through a second linear mapping of the code frame;
 *  - paging off, paging on, and paging with the page table in the code's own frame (every
 *    walk then sets an A bit next to running code, and one entry is the immediate of the
 *    MOV right after a read through it), with TLBs of several shapes and policies, and
 *    switched off;
 *  - faults: a store beyond the limit of a small ES segment (#GP: the handler reloads ES
 *    and returns, the store is retried), a store to a not-present page (#PF: the handler
 *    sets P and returns; the program later clears P again and reloads CR3), #UD at the end
 *    (the handler halts).
 * With paging, the code's second and third pages live in frames that do not follow the
 * first in host memory, so a block must not run past its page.
 * Every program runs in two fresh machines: A with cpu_run in random budget slices (1, 2,
 * 3, 5, 7, 16, 100, ... so budgets end inside blocks), B with cpu_step only. After every
 * slice: that A stopped exactly at its budget, general registers, EIP, EFLAGS, icount,
 * halted, CR0/CR2/CR3, segment registers, exceptions delivered, the low MiB of RAM (all of
 * it at the end), the MMU statistics and the architectural TLB (entries, RNG, and its
 * replacement state: LRU stamps and clock, PLRU bits).
 *
 *   test_cpu_runstep [first [count]]   cases first.. (default 0, 600)
 *   PW_RUNSTEP_SLICE=1  every slice one instruction (finds the first differing one)
 *   PW_RUNSTEP_DUMP=1   print every program; PW_RUNSTEP_TRACE=1 every single step
 *
 * Memory map (linear = physical unless said):
 *   0x00500 GDT (fixture + 0x18 ES base 0 limit 0x20FFF, 0x20 ES base 0x1000 flat)
 *   0x00800 IDT (#UD, #GP, #PF gates)
 *   0x11000 code (up to three pages); with PT_IN_CODE the page table fills the first
 *           0x240 bytes of frame 0x11000 and the code starts after it
 *   0x14000 exception handlers
 *   0x20000 data (two pages, EBP points here and never changes outside frames)
 *   0x22000 a page that starts not present (paging), 0x23000.. 0x25000 alias the code
 *   0x30000 page directory, 0x31000 page table (when not in the code frame)
 *   0x8F800 initial ESP */
#include "fixture.h"
#include "test.h"


#define CODE 0x11000u
#define CODE_END 0x13F00u
#define HANDLERS 0x14000u
#define DATA 0x20000u
#define NP_PAGE 0x22000u
#define ALIAS 0x23000u
#define PD 0x30000u
#define PT_SEP 0x31000u
#define STACK0 0x8F800u
#define CMP_LOW 0x100000u
#define MAX_INSNS 30000u

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };
enum { PG_OFF, PG_ON, PG_PT_IN_CODE };

struct rng { uint64_t s; };
static uint32_t rnd(struct rng *r, uint32_t n)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return n ? (uint32_t)(z % n) : (uint32_t)z;
}
static uint32_t rnd32(struct rng *r) { return rnd(r, 0); }
static uint32_t value(struct rng *r)
{
    static const uint32_t v[] = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF};
    return rnd(r, 3) ? rnd32(r) : v[rnd(r, sizeof v / sizeof v[0])];
}

/* ---- the program being generated ---------------------------------------------------- */

struct prog {
    struct rng *r;
    uint8_t code[CODE_END - CODE]; /* (indexed from start: room for CODE_END - start) */
    uint32_t start;        /* linear address of code[0] */
    uint32_t n;            /* bytes emitted */
    int paging;
    bool in_loop;          /* EDI is the loop counter: leave it alone */
    int depth;             /* nesting of generated chunks */
    uint32_t pt;           /* page table address (paging) */
};

static uint32_t here(const struct prog *p) { return p->start + p->n; }
static bool full(const struct prog *p) { return p->n > 1800; }
static void b8(struct prog *p, uint32_t v)
{
    if (p->start - CODE + p->n >= sizeof p->code) { /* a generator bug, not a CPU one */
        fprintf(stderr, "test_cpu_runstep: program too long\n");
        exit(2);
    }
    p->code[p->n++] = (uint8_t)v;
}
static void b32(struct prog *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b8(p, v >> (8 * i));
}
static void put32(struct prog *p, uint32_t at, uint32_t v) /* at: linear address */
{
    for (int i = 0; i < 4; i++)
        p->code[at - p->start + i] = (uint8_t)(v >> (8 * i));
}

/* A register the random instructions may write: not ESP, EBP (the data pointer), EDI
 * (the loop counter). */
static int dst(struct prog *p)
{
    static const int d[] = {EAX, ECX, EDX, EBX, ESI};
    return d[rnd(p->r, 5)];
}
static int any_reg(struct prog *p) { return (int)rnd(p->r, 8); }

/* A ModRM (+SIB +disp) for a memory operand in the data area, reg field 'reg'. Forms with
 * a base, an index (ESI masked first), no register at all; seg: a segment override byte
 * was emitted before (ES with base 0x1000 must stay inside the data area too). */
static void mem_operand_pre(struct prog *p, int *form)
{
    *form = (int)rnd(p->r, 5);
    if (*form == 3) {
        b8(p, 0x81); /* and esi, 0x3FF */
        b8(p, 0xE6);
        b32(p, 0x3FF);
    }
}
static void mem_operand(struct prog *p, int reg, int form, bool write)
{
    if (form == 4 && write)
        form = 0;
    switch (form) {
    case 0: /* [ebp + disp8] */
        b8(p, 0x45 | reg << 3);
        b8(p, rnd(p->r, 0x78));
        break;
    case 1: /* [ebp + disp32] */
        b8(p, 0x85 | reg << 3);
        b32(p, rnd(p->r, 0xFF0));
        break;
    case 2: /* [disp32] */
        b8(p, 0x05 | reg << 3);
        b32(p, DATA + rnd(p->r, 0xFF0));
        break;
    case 3: /* [ebp + esi*4 + disp32] */
        b8(p, 0x84 | reg << 3);
        b8(p, 0xB5);
        b32(p, rnd(p->r, 0x10));
        break;
    default: /* [esp + disp8]: reads only */
        b8(p, 0x44 | reg << 3);
        b8(p, 0x24);
        b8(p, rnd(p->r, 0x40));
        break;
    }
}
/* An instruction with a memory operand: optional ES prefix, opcode bytes, ModRM. */
static void mem_insn(struct prog *p, const uint8_t *op, int nop, int reg, bool write)
{
    int form;
    mem_operand_pre(p, &form);
    if (form != 4 && rnd(p->r, 6) == 0)
        b8(p, 0x26); /* ES: flat, or one of the program's own ES segments */
    for (int i = 0; i < nop; i++)
        b8(p, op[i]);
    mem_operand(p, reg, form, write);
}

/* One random instruction that touches only registers, flags, the data area or the stack
 * (balanced), and falls through. */
static void gen_simple(struct prog *p)
{
    struct rng *r = p->r;
    int d = dst(p), s = any_reg(p), alu = (int)rnd(r, 8);
    uint8_t op[3];
    switch (rnd(r, 30)) {
    case 0: /* ALU Ev,Gv register */
        b8(p, alu << 3 | 1);
        b8(p, 0xC0 | s << 3 | d);
        break;
    case 1: /* ALU Gv,Ev register */
        b8(p, alu << 3 | 3);
        b8(p, 0xC0 | d << 3 | s);
        break;
    case 2: /* ALU Eb,Gb / Gb,Eb: AL..BH are all parts of EAX..EBX */
        b8(p, alu << 3 | (rnd(r, 2) ? 0 : 2));
        b8(p, 0xC0 | rnd(r, 64));
        break;
    case 3: /* ALU r, imm8 / imm32 / eAX forms */
        switch (rnd(r, 4)) {
        case 0: b8(p, 0x83); b8(p, 0xC0 | alu << 3 | d); b8(p, value(r)); break;
        case 1: b8(p, 0x81); b8(p, 0xC0 | alu << 3 | d); b32(p, value(r)); break;
        case 2: b8(p, 0x80); b8(p, 0xC0 | alu << 3 | rnd(r, 8)); b8(p, value(r)); break;
        default: b8(p, alu << 3 | (rnd(r, 2) ? 4 : 5)); if (p->code[p->n - 1] & 1) b32(p, value(r)); else b8(p, value(r)); break;
        }
        break;
    case 4: /* ALU r, m */
        op[0] = (uint8_t)(alu << 3 | (rnd(r, 2) ? 3 : 2));
        mem_insn(p, op, 1, (op[0] & 1) ? d : (int)rnd(r, 8), false);
        break;
    case 5: /* ALU m, r */
        op[0] = (uint8_t)(alu << 3 | rnd(r, 2));
        mem_insn(p, op, 1, s, true);
        break;
    case 6: /* ALU m, imm */
        op[0] = (uint8_t)(0x80 + rnd(r, 2) * 3); /* 80 or 83 */
        mem_insn(p, op, 1, alu, true);
        b8(p, value(r));
        break;
    case 7: /* TEST in its forms */
        switch (rnd(r, 4)) {
        case 0: b8(p, 0x85); b8(p, 0xC0 | rnd(r, 64)); break;
        case 1: b8(p, 0xA9); b32(p, value(r)); break;
        case 2: op[0] = 0xF7; mem_insn(p, op, 1, 0, false); b32(p, value(r)); break;
        default: op[0] = 0x84; mem_insn(p, op, 1, s, false); break;
        }
        break;
    case 8: /* INC/DEC register, short and long forms */
        if (rnd(r, 2))
            b8(p, (rnd(r, 2) ? 0x40 : 0x48) | d);
        else {
            b8(p, 0xFF);
            b8(p, 0xC0 | rnd(r, 2) << 3 | d);
        }
        break;
    case 9: /* INC/DEC/NOT/NEG memory */
        if (rnd(r, 2)) {
            op[0] = 0xFF;
            mem_insn(p, op, 1, (int)rnd(r, 2), true);
        } else {
            op[0] = 0xF7;
            mem_insn(p, op, 1, 2 + (int)rnd(r, 2), true);
        }
        break;
    case 10: /* NOT/NEG register */
        b8(p, 0xF7);
        b8(p, 0xC0 | (2 + rnd(r, 2)) << 3 | d);
        break;
    case 11: /* MOV register forms */
        switch (rnd(r, 5)) {
        case 0: b8(p, 0x89); b8(p, 0xC0 | s << 3 | d); break;
        case 1: b8(p, 0x8B); b8(p, 0xC0 | d << 3 | s); break;
        case 2: b8(p, 0xB8 | d); b32(p, value(r)); break;
        case 3: b8(p, 0xB0 | rnd(r, 8)); b8(p, value(r)); break;
        default: b8(p, 0xC7); b8(p, 0xC0 | d); b32(p, value(r)); break;
        }
        break;
    case 12: /* MOV with memory */
        switch (rnd(r, 6)) {
        case 0: op[0] = 0x8B; mem_insn(p, op, 1, d, false); break;
        case 1: op[0] = 0x89; mem_insn(p, op, 1, s, true); break;
        case 2: op[0] = 0x8A; mem_insn(p, op, 1, (int)rnd(r, 8), false); break;
        case 3: op[0] = 0x88; mem_insn(p, op, 1, (int)rnd(r, 8), true); break;
        case 4: op[0] = 0xC7; mem_insn(p, op, 1, 0, true); b32(p, value(r)); break;
        default: op[0] = 0xC6; mem_insn(p, op, 1, 0, true); b8(p, value(r)); break;
        }
        break;
    case 13: /* MOV moffs (A0..A3) */
        b8(p, 0xA0 + rnd(r, 4));
        b32(p, DATA + rnd(r, 0x1FF0));
        break;
    case 14: { /* LEA with any registers and scales: no access */
        b8(p, 0x8D);
        switch (rnd(r, 3)) {
        case 0: { /* [reg + disp32], no SIB */
            uint32_t rm = rnd(r, 7);
            b8(p, 0x80 | d << 3 | (rm >= 4 ? rm + 1 : rm));
            b32(p, value(r));
            break;
        }
        case 1: { /* SIB without displacement, or [index*s + disp32] when the base is 5 */
            uint32_t sib = rnd(r, 256);
            b8(p, 0x04 | d << 3);
            b8(p, sib);
            if ((sib & 7) == 5)
                b32(p, value(r));
            break;
        }
        default: /* SIB + disp8 */
            b8(p, 0x44 | d << 3);
            b8(p, rnd(r, 256));
            b8(p, value(r));
            break;
        }
        break;
    }
    case 15: /* MOVZX/MOVSX register or memory */
        op[0] = 0x0F;
        op[1] = (uint8_t)(rnd(r, 2) ? 0xB6 + rnd(r, 2) : 0xBE + rnd(r, 2));
        if (rnd(r, 2)) {
            b8(p, op[0]);
            b8(p, op[1]);
            b8(p, 0xC0 | d << 3 | rnd(r, 8));
        } else {
            mem_insn(p, op, 2, d, false);
        }
        break;
    case 16: { /* SHL/SHR/SAR register or memory, by 1, imm8 or CL */
        static const uint8_t shops[3] = {4, 5, 7};
        int sh = shops[rnd(r, 3)], form = (int)rnd(r, 3);
        op[0] = form == 0 ? 0xD1 : form == 1 ? 0xC1 : 0xD3;
        if (rnd(r, 3)) {
            b8(p, op[0]);
            b8(p, 0xC0 | sh << 3 | d);
        } else {
            mem_insn(p, op, 1, sh, true);
        }
        if (form == 1)
            b8(p, rnd(r, 40));
        break;
    }
    case 17: /* SETcc register or memory */
        op[0] = 0x0F;
        op[1] = (uint8_t)(0x90 | rnd(r, 16));
        if (rnd(r, 2)) {
            b8(p, op[0]);
            b8(p, op[1]);
            b8(p, 0xC0 | rnd(r, 8));
        } else {
            mem_insn(p, op, 2, 0, true);
        }
        break;
    case 18: /* PUSH (register, imm, memory) then POP (register) */
        switch (rnd(r, 4)) {
        case 0: b8(p, 0x50 | any_reg(p)); break;
        case 1: b8(p, 0x6A); b8(p, value(r)); break;
        case 2: b8(p, 0x68); b32(p, value(r)); break;
        default: op[0] = 0xFF; mem_insn(p, op, 1, 6, false); break;
        }
        if (rnd(r, 2))
            gen_simple(p); /* something in between (balanced itself) */
        b8(p, 0x58 | d);
        break;
    case 19: /* CWDE, CDQ, NOP, CLD */
        b8(p, (const uint8_t[]){0x98, 0x99, 0x90, 0xFC}[rnd(r, 4)]);
        break;
    case 20: /* fused shape with a forward Jcc over nothing: both ways fall to the same place */
        b8(p, (const uint8_t[]){0x39, 0x85, 0x29, 0x01, 0x21, 0x09, 0x31}[rnd(r, 7)]);
        b8(p, 0xC0 | s << 3 | d);
        b8(p, 0x70 | rnd(r, 16));
        b8(p, 0);
        break;
    /* ---- the interpreter's own ---- */
    case 21: /* PUSHF; POP r */
        b8(p, 0x9C);
        b8(p, 0x58 | d);
        break;
    case 22: /* XCHG r,r / XCHG eAX,r / XCHG m,r */
        switch (rnd(r, 3)) {
        case 0: b8(p, 0x87); b8(p, 0xC0 | d << 3 | dst(p)); break;
        case 1: b8(p, 0x90 | dst(p)); break;
        default: op[0] = 0x87; mem_insn(p, op, 1, d, true); break;
        }
        break;
    case 23: /* rotates, IMUL, BT, SAHF/LAHF, CLC/STC/CMC */
        switch (rnd(r, 5)) {
        case 0: b8(p, 0xC1); b8(p, 0xC0 | rnd(r, 4) << 3 | d); b8(p, rnd(r, 32)); break;
        case 1: b8(p, 0x0F); b8(p, 0xAF); b8(p, 0xC0 | d << 3 | any_reg(p)); break;
        case 2: b8(p, 0x0F); b8(p, 0xA3); b8(p, 0xC0 | any_reg(p) << 3 | d); break;
        case 3: b8(p, rnd(r, 2) ? 0x9E : 0x9F); break;
        default: b8(p, rnd(r, 2) ? 0xF5 : 0xF8); break; /* CMC, CLC */
        }
        break;
    case 24: /* 16-bit operand forms (the interpreter's) */
        b8(p, 0x66);
        b8(p, alu << 3 | 1);
        b8(p, 0xC0 | s << 3 | d);
        break;
    default: /* the common case again: register ALU with an immediate, or a load */
        if (rnd(r, 2)) {
            b8(p, 0x83);
            b8(p, 0xC0 | alu << 3 | d);
            b8(p, value(r));
        } else {
            op[0] = 0x8B;
            mem_insn(p, op, 1, d, false);
        }
        break;
    }
}

/* MOV byte/dword into code at linear 'at' (filled in later: returns where the address
 * goes), the value given. Paging: sometimes through the alias mapping of the code frame. */
static uint32_t smc_store(struct prog *p, bool dword, uint32_t v)
{
    b8(p, dword ? 0xC7 : 0xC6);
    b8(p, 0x05);
    uint32_t site = here(p);
    b32(p, 0);
    if (dword)
        b32(p, v);
    else
        b8(p, v);
    return site;
}
static uint32_t code_alias(const struct prog *p, uint32_t at)
{
    return p->paging != PG_OFF && rnd(p->r, 2) ? at - CODE + ALIAS : at;
}

/* A target of self-modification: an instruction any patched value keeps valid. Returns
 * the linear address of the byte to patch and what to write there (*v), *dword when a
 * dword store fits. */
enum { SMC_IMM, SMC_TOGGLE }; /* any value fits / only the 0x08 bit may flip */
static uint32_t smc_target(struct prog *p, uint32_t *v, bool *dword, int *kind)
{
    struct rng *r = p->r;
    int d = dst(p);
    *dword = false;
    *kind = SMC_IMM;
    switch (rnd(r, 4)) {
    case 0: /* MOV r, imm32: the immediate */
        b8(p, 0xB8 | d);
        *dword = rnd(r, 2);
        *v = rnd32(r);
        b32(p, value(r));
        return here(p) - 4 + (*dword ? 0 : rnd(r, 4));
    case 1: /* ALU r, imm8: the immediate */
        b8(p, 0x83);
        b8(p, 0xC0 | rnd(r, 8) << 3 | d);
        b8(p, value(r));
        *v = rnd(r, 256);
        return here(p) - 1;
    case 2: /* INC/DEC r: the opcode */
        b8(p, 0x40 | d);
        *v = (rnd(r, 2) ? 0x40 : 0x48) | dst(p);
        *kind = SMC_TOGGLE;
        return here(p) - 1;
    default: /* ALU r, imm8: the ModRM (another operation on another register) */
        b8(p, 0x83);
        b8(p, 0xC0 | rnd(r, 8) << 3 | d);
        b8(p, value(r));
        *v = 0xC0 | rnd(r, 8) << 3 | dst(p);
        *kind = SMC_TOGGLE;
        return here(p) - 2;
    }
}

static void gen_chunk(struct prog *p);

static void gen_body(struct prog *p, int k)
{
    for (int i = 0; i < k && !full(p); i++) {
        if (p->depth < 2 && rnd(p->r, 5) == 0) {
            p->depth++;
            gen_chunk(p);
            p->depth--;
        } else {
            gen_simple(p);
        }
    }
}

/* A forward conditional branch over a few instructions (fused or not, rel8 or rel32). */
static void gen_skip(struct prog *p)
{
    struct rng *r = p->r;
    uint32_t flip = 0; /* xor byte [jcc], 1: the opposite condition from now on */
    if (rnd(r, 3) == 0) {
        b8(p, 0x80);
        b8(p, 0x35);
        flip = here(p);
        b32(p, 0);
        b8(p, 0x01);
    }
    if (rnd(r, 2)) {
        b8(p, (const uint8_t[]){0x39, 0x85, 0x29, 0x31, 0x09}[rnd(r, 5)]);
        b8(p, 0xC0 | any_reg(p) << 3 | dst(p));
    }
    bool near = rnd(r, 3) == 0;
    uint32_t cc = rnd(r, 16), at;
    if (flip)
        put32(p, flip, code_alias(p, here(p) + near)); /* the byte with the condition */
    if (near) {
        b8(p, 0x0F);
        b8(p, 0x80 | cc);
        at = here(p);
        b32(p, 0);
    } else {
        b8(p, 0x70 | cc);
        at = here(p);
        b8(p, 0);
    }
    uint32_t from = here(p);
    gen_body(p, 1 + (int)rnd(r, 5));
    uint32_t dist = here(p) - from;
    if (near) {
        put32(p, at, dist);
    } else if (dist < 128) {
        p->code[at - p->start] = (uint8_t)dist;
    } else {
        p->code[at - p->start] = 0; /* too far for rel8: fall through both ways */
    }
}

/* JNZ back to 'top': the rel8 form when asked for and in reach, else rel32. */
static void jnz_back(struct prog *p, uint32_t top, bool want_short)
{
    int32_t rel8 = (int32_t)top - (int32_t)(here(p) + 2);
    if (want_short && rel8 >= -128) {
        b8(p, 0x75);
        b8(p, (uint8_t)rel8);
    } else {
        b8(p, 0x0F);
        b8(p, 0x85);
        b32(p, top - (here(p) + 4));
    }
}

/* A counted loop on EDI: its body may hold anything but another loop; self-modification
 * of the body from within (toggles and increments that differ each pass). */
static void gen_loop(struct prog *p)
{
    struct rng *r = p->r;
    p->in_loop = true;
    b8(p, 0xBF); /* mov edi, n */
    b32(p, 1 + rnd(r, 12));
    /* the loop's first instruction, toggled INC<->DEC by its own body; a dword store that
     * straddles the start of the block also rewrites it (its first three bytes land in
     * the immediate of the MOV before) */
    int d = dst(p);
    b8(p, 0xB8 | dst(p));
    b32(p, value(r));
    uint32_t top = here(p);
    b8(p, 0x40 | d);
    gen_body(p, (int)rnd(r, 6));
    switch (rnd(r, 4)) {
    case 0: /* xor byte [top], 8: INC <-> DEC */
        b8(p, 0x80);
        b8(p, 0x35);
        b32(p, code_alias(p, top));
        b8(p, 0x08);
        break;
    case 1: { /* mov [top-3], reg with the new opcode in the top byte */
        int s = dst(p);
        b8(p, 0xB8 | s);
        b32(p, (rnd32(r) & 0x00FFFFFFu) | (uint32_t)((rnd(r, 2) ? 0x40 : 0x48) | dst(p)) << 24);
        b8(p, 0x89);
        b8(p, 0x05 | s << 3);
        b32(p, code_alias(p, top - 3));
        break;
    }
    case 2: { /* a target later in the body, patched every pass with a changing value */
        uint32_t v;
        bool dw;
        uint32_t site = smc_store(p, false, 0);
        gen_body(p, (int)rnd(r, 3));
        int kind;
        uint32_t t = smc_target(p, &v, &dw, &kind);
        put32(p, site, code_alias(p, t));
        p->code[site - p->start - 2] = 0x80;
        if (kind == SMC_TOGGLE) { /* xor byte [t], 8: INC<->DEC, one ALU op<->another */
            p->code[site - p->start - 1] = 0x35;
            p->code[site - p->start + 4] = 0x08;
        } else { /* add byte [t], odd: a new immediate every pass */
            p->code[site - p->start - 1] = 0x05;
            p->code[site - p->start + 4] = (uint8_t)(v | 1);
        }
        break;
    }
    default:
        break;
    }
    gen_body(p, (int)rnd(r, 4));
    /* the backward branch: fused DEC+JNZ, TEST+JNZ, unfused SUB+JNZ, rel8 or rel32 */
    int shape = (int)rnd(r, 4);
    if (shape == 0) {
        b8(p, 0x4F);
    } else if (shape == 1) {
        b8(p, 0x4F);
        b8(p, 0x85);
        b8(p, 0xFF);
    } else if (shape == 2) {
        b8(p, 0x83);
        b8(p, 0xEF);
        b8(p, 0x01);
    } else {
        b8(p, 0x4F);
        b8(p, 0x90);
    }
    jnz_back(p, top, rnd(r, 4) != 0);
    p->in_loop = false;
}

/* A subroutine placed inline (jumped over), called directly, through a register or
 * through memory; RET or RET imm16 (with the argument pushed). */
static void gen_call(struct prog *p)
{
    struct rng *r = p->r;
    b8(p, 0xE9);
    uint32_t over = here(p);
    b32(p, 0);
    uint32_t fn = here(p);
    bool arg = rnd(r, 3) == 0;
    gen_body(p, 1 + (int)rnd(r, 4));
    if (arg) {
        b8(p, 0xC2);
        b8(p, 4);
        b8(p, 0);
    } else {
        b8(p, 0xC3);
    }
    put32(p, over, here(p) - (over + 4));
    if (arg) {
        b8(p, 0x6A);
        b8(p, rnd(r, 256));
    }
    int how = (int)rnd(r, 3), reg = dst(p);
    if (how == 0) {
        b8(p, 0xE8);
        b32(p, fn - (here(p) + 4));
    } else if (how == 1) {
        b8(p, 0xB8 | reg);
        b32(p, fn);
        b8(p, 0xFF);
        b8(p, 0xD0 | reg);
    } else {
        uint32_t slot = rnd(r, 0x78) & ~3u;
        b8(p, 0xC7); /* mov dword [ebp+slot], fn */
        b8(p, 0x45);
        b8(p, slot);
        b32(p, fn);
        b8(p, 0xFF); /* call [ebp+slot] */
        b8(p, 0x55);
        b8(p, slot);
    }
}

/* Indirect forward jumps: JMP reg, JMP [mem]. */
static void gen_jmp_ind(struct prog *p)
{
    struct rng *r = p->r;
    int reg = dst(p);
    bool viamem = rnd(r, 2);
    uint32_t slot = rnd(r, 0x78) & ~3u, site;
    if (viamem) {
        b8(p, 0xC7);
        b8(p, 0x45);
        b8(p, slot);
        site = here(p);
        b32(p, 0);
        b8(p, 0xFF);
        b8(p, 0x65);
        b8(p, slot);
    } else {
        b8(p, 0xB8 | reg);
        site = here(p);
        b32(p, 0);
        b8(p, 0xFF);
        b8(p, 0xE0 | reg);
    }
    gen_body(p, (int)rnd(r, 3)); /* skipped */
    put32(p, site, here(p));
}

/* A frame: PUSH EBP, MOV EBP,ESP, locals through EBP, LEAVE. */
static void gen_frame(struct prog *p)
{
    struct rng *r = p->r;
    b8(p, 0x55);
    b8(p, 0x89);
    b8(p, 0xE5);
    b8(p, 0x50 | dst(p));
    b8(p, 0x50 | dst(p));
    b8(p, (const uint8_t[]){0x01, 0x03, 0x29, 0x2B, 0x89, 0x8B, 0x31}[rnd(r, 7)]);
    b8(p, 0x45 | dst(p) << 3);
    b8(p, rnd(r, 2) ? 0xFC : 0xF8);
    b8(p, 0xC9);
}

/* Self-modification across blocks: a store, a jump (so the target is in a later block, or
 * the same one when the jump is skipped), the target. */
static void gen_smc(struct prog *p)
{
    struct rng *r = p->r;
    uint32_t v;
    bool dw = rnd(r, 2);
    uint32_t site = smc_store(p, dw, 0);
    if (rnd(r, 2)) {
        b8(p, 0xEB); /* jmp +0: ends the block */
        b8(p, 0);
    }
    gen_body(p, (int)rnd(r, 3));
    int kind; /* (v suits it already) */
    uint32_t t = smc_target(p, &v, &dw, &kind);
    bool target_dword = p->code[site - p->start - 2] == 0xC7;
    if (target_dword && !dw) {
        /* the target takes one byte only: the dword store (C7 05 disp32 imm32) becomes a
         * byte store (C6 05 disp32 imm8) and three NOPs, the same ten bytes */
        p->code[site - p->start - 2] = 0xC6;
        p->code[site - p->start + 4] = (uint8_t)v;
        for (int i = 5; i < 8; i++)
            p->code[site - p->start + i] = 0x90;
    } else if (target_dword) {
        put32(p, site + 4, v);
    } else {
        p->code[site - p->start + 4] = (uint8_t)v;
    }
    put32(p, site, code_alias(p, t));
}

/* ES loads: a small segment (limit 0x20FFF) or one with base 0x1000; ES-prefixed stores,
 * one beyond the small limit (#GP: the handler reloads ES = 0x10 and the store is
 * retried), then ES = 0x10 again. */
static void gen_seg(struct prog *p)
{
    struct rng *r = p->r;
    b8(p, 0x26); /* mov r, es:[ebp + disp8]: the decoded records learn the flat ES */
    b8(p, 0x8B);
    b8(p, 0x45 | dst(p) << 3);
    b8(p, rnd(r, 0x78));
    b8(p, 0x66); /* mov ax, sel */
    b8(p, 0xB8);
    b8(p, rnd(r, 2) ? 0x18 : 0x20);
    b8(p, 0);
    b8(p, 0x8E); /* mov es, ax */
    b8(p, 0xC0);
    for (int i = 0, k = 1 + (int)rnd(r, 3); i < k; i++) {
        b8(p, 0x26);
        b8(p, 0x89); /* mov es:[ebp + disp8], r */
        b8(p, 0x45 | any_reg(p) << 3);
        b8(p, rnd(r, 0x78));
    }
    if (rnd(r, 4)) {
        b8(p, 0x26); /* mov es:[0x21800 + x], r: beyond 0x20FFF */
        b8(p, 0x89);
        b8(p, 0x05 | any_reg(p) << 3);
        b32(p, DATA + 0x1800 + rnd(r, 0x100));
    }
    gen_body(p, (int)rnd(r, 3));
    b8(p, 0x6A); /* push 0x10; pop es */
    b8(p, 0x10);
    b8(p, 0x07);
}

/* Paging: a store into the not-present page (#PF: the handler sets P and returns), then
 * P cleared again by the program and the TLB flushed with MOV CR3. Without paging, the
 * same code stores into plain memory. */
static void gen_np(struct prog *p)
{
    struct rng *r = p->r;
    b8(p, 0x89);
    b8(p, 0x05 | any_reg(p) << 3);
    b32(p, NP_PAGE + rnd(r, 0xFF0));
    gen_body(p, (int)rnd(r, 3));
    if (p->paging != PG_OFF && rnd(r, 2)) {
        b8(p, 0x80); /* and byte [pte], 0xFE */
        b8(p, 0x25);
        b32(p, p->pt + 4 * (NP_PAGE >> 12));
        b8(p, 0xFE);
        int reg = dst(p);
        b8(p, 0x0F); /* mov reg, cr3; mov cr3, reg */
        b8(p, 0x20);
        b8(p, 0xD8 | reg);
        b8(p, 0x0F);
        b8(p, 0x22);
        b8(p, 0xD8 | reg);
    }
}

/* REP STOSB of a few bytes into the data area (EDI saved: it may be a loop counter). */
static void gen_stos(struct prog *p)
{
    struct rng *r = p->r;
    b8(p, 0x57);
    b8(p, 0xBF);
    b32(p, DATA + rnd(r, 0x1F00));
    b8(p, 0xB9);
    b32(p, rnd(r, 20));
    b8(p, 0xFC);
    b8(p, 0xF3);
    b8(p, 0xAA);
    b8(p, 0x5F);
}

/* A loop that is one block (decoded register instructions only, a fused or rel32 branch
 * back), so that it re-enters itself without a lookup, and that rewrites its own first
 * instruction each pass: INC<->DEC by EDI's parity with a dword store that starts three
 * bytes before the block (fast path from the second pass on: only the watched range sees
 * it), or with XOR on the byte itself, or a new immediate for an instruction after it. */
static void gen_tight_loop(struct prog *p)
{
    struct rng *r = p->r;
    int d = dst(p);
    p->in_loop = true;
    b8(p, 0xBF); /* mov edi, n */
    b32(p, 2 + rnd(r, 8));
    b8(p, 0xB8 | dst(p)); /* its immediate's last three bytes precede the loop */
    b32(p, value(r));
    uint32_t top = here(p), imm_at = 0;
    b8(p, (rnd(r, 2) ? 0x40 : 0x48) | d);
    for (int i = 0, k = (int)rnd(r, 4); i < k; i++) {
        int alu = (int)rnd(r, 8);
        if (rnd(r, 2)) {
            b8(p, alu << 3 | 1);
            b8(p, 0xC0 | any_reg(p) << 3 | dst(p));
        } else {
            b8(p, 0x83);
            b8(p, 0xC0 | alu << 3 | dst(p));
            imm_at = here(p);
            b8(p, value(r));
        }
    }
    int how = (int)rnd(r, 3);
    if (how == 2 && !imm_at)
        how = 0;
    uint32_t at = code_alias(p, how == 0 ? top - 3 : how == 1 ? top : imm_at);
    if (how == 0) {
        static const uint8_t seq[] = {0x89, 0xF8,                   /* mov eax, edi */
                                      0x83, 0xE0, 0x01,             /* and eax, 1 */
                                      0xC1, 0xE0, 0x1B};            /* shl eax, 27 */
        for (unsigned i = 0; i < sizeof seq; i++)
            b8(p, seq[i]);
        b8(p, 0x0D); /* or eax, (0x40 | d) << 24 | low bytes */
        b32(p, (uint32_t)(0x40 | dst(p)) << 24 | (rnd32(r) & 0xFFFFFF));
        b8(p, 0xA3); /* mov [top - 3], eax */
        b32(p, at);
    } else {
        b8(p, 0x80); /* xor byte [top], 8 / add byte [imm], 1 */
        b8(p, how == 1 ? 0x35 : 0x05);
        b32(p, at);
        b8(p, how == 1 ? 0x08 : 0x01);
    }
    b8(p, 0x4F); /* dec edi */
    jnz_back(p, top, rnd(r, 3) != 0);
    p->in_loop = false;
}

/* With the page table in the code frame (PG_PT_IN_CODE): an entry that is the immediate of
 * a MOV right after a read through it, in the same block. The read misses the TLB (just
 * flushed), the walk sets the entry's A bit, that is, changes the immediate: the MOV must
 * load it with A set. The entry maps a free linear page (index 0x90 and up: the entries
 * of the code region, otherwise unused) onto the first data page; its A bit is cleared
 * first, so that every pass of a loop walks and writes again. */
static void gen_pte_imm(struct prog *p)
{
    struct rng *r = p->r;
    /* and byte [imm], 0DFh (7) + mov cr3 twice (6) + mov r,[X+off] (6) + up to 3 NOPs +
     * B8: the immediate lands at most 23 bytes on, and must stay in the code frame */
    if (p->paging != PG_PT_IN_CODE || here(p) + 32 > CODE + PAGE_SIZE) {
        gen_simple(p);
        return;
    }
    int d = dst(p), t = dst(p);
    b8(p, 0x80); /* and byte [imm], 0DFh: A clear */
    b8(p, 0x25);
    uint32_t and_site = here(p);
    b32(p, 0);
    b8(p, 0xDF);
    b8(p, 0x0F); /* mov t, cr3; mov cr3, t: the TLB flushed */
    b8(p, 0x20);
    b8(p, 0xD8 | t);
    b8(p, 0x0F);
    b8(p, 0x22);
    b8(p, 0xD8 | t);
    b8(p, 0x8B); /* mov t, [X + off]: the walk */
    b8(p, 0x05 | t << 3);
    uint32_t read_site = here(p);
    b32(p, 0);
    while ((here(p) + 1) & 3)
        b8(p, 0x90);
    b8(p, 0xB8 | d); /* mov d, PTE */
    uint32_t imm = here(p);
    b32(p, DATA | PTE_RW | PTE_P);
    uint32_t x = (imm - CODE) / 4; /* the linear page this entry maps */
    put32(p, and_site, imm);
    put32(p, read_site, x << 12 | rnd(r, 0xFF0));
}

static void gen_chunk(struct prog *p)
{
    switch (rnd(p->r, 12)) {
    case 0: gen_skip(p); break;
    case 10: gen_pte_imm(p); break;
    case 9: if (!p->in_loop) gen_tight_loop(p); else gen_skip(p); break;
    case 1: if (!p->in_loop) gen_loop(p); else gen_skip(p); break;
    case 2: gen_call(p); break;
    case 3: gen_jmp_ind(p); break;
    case 4: gen_frame(p); break;
    case 5: gen_smc(p); break;
    case 6: gen_seg(p); break;
    case 7: gen_np(p); break;
    case 8: gen_stos(p); break;
    default: gen_body(p, 1 + (int)rnd(p->r, 6)); break;
    }
}

/* The exception handlers at HANDLERS: #UD halts; #GP reloads ES and returns; #PF sets P
 * of the not-present page's entry and returns (any other #PF halts). */
static uint32_t put_handlers(struct tmach *t, uint32_t pt, uint32_t *gp, uint32_t *pf)
{
    uint8_t h[64];
    unsigned n = 0;
    h[n++] = 0xF4; /* #UD: hlt */
    *gp = HANDLERS + n;
    static const uint8_t gpc[] = {0x50, 0x66, 0xB8, 0x10, 0x00, 0x8E, 0xC0, 0x58, /* push eax; mov ax,10h; mov es,ax; pop eax */
                                  0x83, 0xC4, 0x04, 0xCF};                        /* add esp,4; iret */
    memcpy(h + n, gpc, sizeof gpc);
    n += sizeof gpc;
    *pf = HANDLERS + n;
    uint8_t pfc[] = {0x50, 0x0F, 0x20, 0xD0,             /* push eax; mov eax, cr2 */
                     0x25, 0x00, 0xF0, 0xFF, 0xFF,       /* and eax, 0FFFFF000h */
                     0x3D, 0, 0, 0, 0,                   /* cmp eax, NP_PAGE */
                     0x75, 0x0C,                         /* jne halt */
                     0x80, 0x0D, 0, 0, 0, 0, 0x01,       /* or byte [pte], 1 */
                     0x58, 0x83, 0xC4, 0x04, 0xCF,       /* pop eax; add esp,4; iret */
                     0xF4};                              /* halt: hlt */
    uint32_t pte = pt + 4 * (NP_PAGE >> 12);
    memcpy(pfc + 10, &(uint32_t){NP_PAGE}, 4);
    memcpy(pfc + 18, &pte, 4);
    memcpy(h + n, pfc, sizeof pfc);
    n += sizeof pfc;
    tm_load(t, HANDLERS, h, n);
    return HANDLERS; /* #UD */
}

/* ---- one case: the program, two machines ------------------------------------------ */

struct mach {
    struct tmach *t;
    uint64_t exc;
};

static void on_exc(void *opaque, const struct pw_event *ev)
{
    (void)ev;
    ((struct mach *)opaque)->exc++;
}

/* Where the code byte at linear 'lin' lives with paging on: the first code page in frame
 * 0x11000, the others moved up by 0x4000 (not contiguous in host memory). */
static uint32_t code_frame(uint32_t lin)
{
    return lin >= CODE + 0x1000 ? lin + 0x4000 : lin;
}

struct setup {
    int model, paging, tlb;
    uint32_t start;
    uint32_t regs[8];
    uint32_t eflags;
};

static void build_machine(struct mach *m, const struct setup *su, const struct prog *p,
                          const uint8_t *data)
{
    m->t = tm_new(su->model);
    m->exc = 0;
    struct tmach *t = m->t;
    struct cpu *c = &t->cpu;
    pw_events_subscribe(&t->ev, PW_EV_BIT(PW_EV_EXCEPTION), on_exc, m);
    static const struct mmu_tlb_config cfgs[] = {
        {TLB_SETASSOC, 8, 4, TLB_LRU, 0},  {TLB_SETASSOC, 1, 4, TLB_PLRU, 0},
        {TLB_SETASSOC, 2, 2, TLB_FIFO, 0}, {TLB_SETASSOC, 4, 2, TLB_RANDOM, 7},
        {TLB_IDEAL, 0, 0, TLB_LRU, 0},     {TLB_OFF, 0, 0, TLB_LRU, 0},
    };
    if (su->tlb > 0)
        CHECK_EQ(mmu_set_tlb_config(&t->mmu, &cfgs[su->tlb]), 0);
    tm_flat32(t, su->start);
    /* two more data segments for ES: 0x18 base 0 limit 0x20FFF; 0x20 base 0x1000 flat */
    tm_wr32(t, TM_GDT + 24, 0x00000FFF);
    tm_wr32(t, TM_GDT + 28, 0x00429300);
    tm_wr32(t, TM_GDT + 32, 0x1000FFFF);
    tm_wr32(t, TM_GDT + 36, 0x00CF9300);
    c->gdtr.limit = 39;
    tm_load(t, DATA, data, 0x3000);
    if (su->paging == PG_OFF) {
        tm_load(t, p->start, p->code, p->n);
    } else {
        /* the code's second and third pages live in frames 0x16000 and 0x17000: a block
         * that ran past its page's end into host memory would read frame 0x12000's INCs */
        memset(t->phys.ram + CODE + 0x1000, 0x40, 0x2000);
        for (uint32_t i = 0; i < p->n; i++)
            tm_load(t, code_frame(p->start + i), &p->code[i], 1);
    }
    uint32_t pt = su->paging == PG_PT_IN_CODE ? CODE : PT_SEP, gp, pf;
    uint32_t ud = put_handlers(t, pt, &gp, &pf);
    tm_set_gate(t, EXC_UD, ud);
    tm_set_gate(t, EXC_GP, gp);
    tm_set_gate(t, EXC_PF, pf);
    if (su->paging != PG_OFF) {
        for (uint32_t k = 0; k < 1024; k++)
            tm_wr32(t, PD + 4 * k, k == 0 ? pt | 3 : 0);
        /* PT in the code frame: entries for pages 0..0x8F only (0x240 bytes) */
        uint32_t npages = su->paging == PG_PT_IN_CODE ? 0x90 : 1024;
        for (uint32_t k = 0; k < npages; k++) {
            uint32_t e = k << 12 | 3;
            if (k == NP_PAGE >> 12)
                e &= ~PTE_P;
            if (k >= CODE >> 12 && k < (CODE >> 12) + 3)
                e = code_frame(k << 12) | 3;
            if (k >= ALIAS >> 12 && k < (ALIAS >> 12) + 3)
                e = code_frame(CODE + ((k - (ALIAS >> 12)) << 12)) | 3;
            tm_wr32(t, pt + 4 * k, e);
        }
        c->cr3 = PD;
        c->cr0 |= CR0_PG;
        mmu_set_cr3(&t->mmu, PD, PW_FLUSH_API);
        mmu_set_cr0(&t->mmu, true, false);
    }
    memcpy(c->gpr, su->regs, sizeof c->gpr);
    cpu_set_eflags(c, su->eflags);
}

static int case_failures;

/* Compares the two machines; reports the first difference. */
static bool same(struct mach *a, struct mach *b, bool all_ram, bool repl, uint64_t k, uint64_t slice)
{
    struct cpu *ca = &a->t->cpu, *cb = &b->t->cpu;
    struct mmu *ma = &a->t->mmu, *mb = &b->t->mmu;
    const char *what = NULL;
    for (int i = 0; i < 8 && !what; i++)
        if (ca->gpr[i] != cb->gpr[i])
            what = "gpr";
    if (!what && ca->eip != cb->eip)
        what = "eip";
    if (!what && cpu_get_eflags(ca) != cpu_get_eflags(cb))
        what = "eflags";
    if (!what && (ca->icount != cb->icount || ca->halted != cb->halted))
        what = "icount/halted";
    if (!what && a->exc != b->exc)
        what = "exceptions delivered";
    if (!what && (ca->cr2 != cb->cr2 || ca->cr3 != cb->cr3 || ca->cr0 != cb->cr0))
        what = "control registers";
    for (int s = 0; s < 6 && !what; s++)
        if (ca->seg[s].sel != cb->seg[s].sel || ca->seg[s].base != cb->seg[s].base ||
            ca->seg[s].limit != cb->seg[s].limit || ca->seg[s].attr != cb->seg[s].attr)
            what = "segment register";
    if (!what && memcmp(a->t->phys.ram, b->t->phys.ram, all_ram ? TM_RAM : CMP_LOW) != 0)
        what = "memory";
    const struct mmu_tlb_stats sa = mmu_stats(ma), sb = mmu_stats(mb);
    if (!what && memcmp(&sa, &sb, sizeof sa) != 0)
        what = "mmu statistics";
    if (!what && (ma->tlb_n != mb->tlb_n || ma->rng != mb->rng))
        what = "tlb size/rng";
    if (!what && repl && ma->tick != mb->tick)
        what = "tlb replacement clock";
    for (unsigned i = 0; i < ma->tlb_n && !what; i++) {
        const struct mmu_tlb_entry *x = &ma->tlb[i], *y = &mb->tlb[i];
        if (x->valid != y->valid ||
            (x->valid && (x->lin != y->lin || x->pte != y->pte ||
                          (repl && x->stamp != y->stamp))))
            what = "tlb entry";
    }
    if (!what && repl && ma->plru && memcmp(ma->plru, mb->plru, ma->cfg.sets) != 0)
        what = "plru bits";
    if (!what)
        return true;
    fprintf(stderr, "case %" PRIu64 " slice %" PRIu64 ": %s differs (run: eip %08x icount %" PRIu64
            ", step: eip %08x icount %" PRIu64 ")\n", k, slice, what, ca->eip, ca->icount, cb->eip, cb->icount);
    for (int i = 0; i < 8; i++)
        fprintf(stderr, "  r%d %08x %08x\n", i, ca->gpr[i], cb->gpr[i]);
    fprintf(stderr, "  efl %08x %08x\n", cpu_get_eflags(ca), cpu_get_eflags(cb));
    if (!strcmp(what, "plru bits"))
        for (unsigned i = 0; i < ma->cfg.sets; i++)
            fprintf(stderr, "  set %u: %02x %02x\n", i, ma->plru[i], mb->plru[i]);
    if (!strcmp(what, "memory")) {
        uint32_t i = 0;
        while (a->t->phys.ram[i] == b->t->phys.ram[i])
            i++;
        fprintf(stderr, "  first differing byte at %05x: %02x %02x\n", i, a->t->phys.ram[i], b->t->phys.ram[i]);
    }
    if (!strcmp(what, "mmu statistics"))
        fprintf(stderr, "  lookups %" PRIu64 "/%" PRIu64 " hits %" PRIu64 "/%" PRIu64 " misses %" PRIu64
                "/%" PRIu64 " walks %" PRIu64 "/%" PRIu64 " fills %" PRIu64 "/%" PRIu64 " evictions %" PRIu64
                "/%" PRIu64 " page faults %" PRIu64 "/%" PRIu64 "\n",
                sa.lookups, sb.lookups, sa.hits, sb.hits, sa.misses, sb.misses, sa.walks, sb.walks,
                sa.fills, sb.fills, sa.evictions, sb.evictions, sa.page_faults, sb.page_faults);
    return false;
}

static void dump_prog(const struct prog *p)
{
    fprintf(stderr, "  program at %05x, %u bytes:", p->start, p->n);
    for (uint32_t i = 0; i < p->n; i++)
        fprintf(stderr, "%s%02x", i % 32 ? " " : "\n   ", p->code[i]);
    fprintf(stderr, "\n");
}

static uint64_t total_insns, total_slices, total_exc;
static const uint32_t tlb_configs = 6; /* build_machine's table */
static uint32_t fixed_slice; /* PW_RUNSTEP_SLICE=n: every slice n instructions */

static void run_case(uint64_t k)
{
    static struct prog p;
    static uint8_t data[0x3000];
    struct rng r = {0x5EED0000ull + k * 0x100000001B3ull};
    struct setup su = {0};
    su.model = rnd(&r, 2) ? CPU_386 : CPU_486;
    su.paging = (int)rnd(&r, 3);
    su.tlb = su.paging != PG_OFF ? (int)rnd(&r, tlb_configs) : 0;
    if (su.paging == PG_PT_IN_CODE)
        su.start = CODE + 0x240;
    else
        su.start = CODE + (rnd(&r, 3) ? rnd(&r, 0x100) : 0xF00 + rnd(&r, 0x100));
    memset(&p, 0, sizeof p);
    p.r = &r;
    p.start = su.start;
    p.paging = su.paging;
    p.pt = su.paging == PG_PT_IN_CODE ? CODE : PT_SEP;
    int nchunks = 2 + (int)rnd(&r, 12);
    for (int i = 0; i < nchunks && !full(&p); i++)
        gen_chunk(&p);
    if (rnd(&r, 3)) {
        b8(&p, 0xF4); /* hlt */
    } else {
        b8(&p, 0x0F); /* ud2: #UD, whose handler halts */
        b8(&p, 0x0B);
    }
    for (int i = 0; i < 8; i++)
        su.regs[i] = value(&r);
    su.regs[ESP] = STACK0;
    su.regs[EBP] = DATA;
    su.regs[EDI] = 0;
    su.eflags = 0x2 | (rnd32(&r) & 0x8D5u);
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)rnd(&r, 256);

    struct mach a, b;
    build_machine(&a, &su, &p, data);
    build_machine(&b, &su, &p, data);
    static const uint32_t sizes[] = {1, 1, 2, 3, 4, 5, 7, 11, 16, 31, 100, 1000};
    uint64_t slice = 0;
    bool ok = true;
    for (;;) {
        uint32_t n = sizes[rnd(&r, sizeof sizes / sizeof sizes[0])];
        if (fixed_slice)
            n = fixed_slice; /* (a reported case, instruction by instruction) */
        uint64_t limit = a.t->cpu.icount + n, exc0 = a.exc;
        enum cpu_stop st = cpu_run(&a.t->cpu, limit);
        slice++;
        /* the budget is exact: never past it; short of it only after a HLT or when an
         * exception delivery took the last unit (deliveries count against it) */
        CHECK(a.t->cpu.icount <= limit);
        if (st == CPU_STOP_BUDGET && !a.t->cpu.halted && a.exc == exc0 && a.t->cpu.icount != limit) {
            fprintf(stderr, "case %" PRIu64 " slice %" PRIu64 ": budget %" PRIu64 " left at icount %" PRIu64 "\n",
                    k, slice, limit, a.t->cpu.icount);
            CHECK(false);
        }
        for (uint32_t guard = 0; guard < 100000; guard++) {
            struct cpu *cb = &b.t->cpu;
            if (!(cb->icount < a.t->cpu.icount || b.exc < a.exc))
                break;
            if (getenv("PW_RUNSTEP_TRACE"))
                fprintf(stderr, "step: eip %08x icount %" PRIu64 " exc %" PRIu64 " cr2 %08x plru %02x\n", cb->eip,
                        cb->icount, b.exc, cb->cr2, b.t->mmu.plru ? b.t->mmu.plru[0] : 0);
            if (cb->halted || cpu_step(cb) == CPU_STOP_SHUTDOWN)
                break;
        }
        bool end = st == CPU_STOP_SHUTDOWN || a.t->cpu.halted || a.t->cpu.icount >= MAX_INSNS;
        if (!same(&a, &b, end, true, k, slice)) {
            ok = false;
            break;
        }
        if (end)
            break;
    }
    CHECK(ok);
    CHECK(a.t->cpu.halted); /* every program ends in HLT */
    if (getenv("PW_RUNSTEP_DUMP")) {
        fprintf(stderr, "case %" PRIu64 ": %" PRIu64 " instructions, %" PRIu64 " exceptions\n", k,
                a.t->cpu.icount, a.exc);
        dump_prog(&p);
    }
    if (!ok || !a.t->cpu.halted) {
        fprintf(stderr, "  model %d, paging %d, tlb config %d\n", su.model, su.paging, su.tlb);
        dump_prog(&p);
        case_failures++;
    }
    total_insns += a.t->cpu.icount;
    total_slices += slice;
    total_exc += a.exc;
    tm_free(a.t);
    tm_free(b.t);
}

/* ---- the smallest reproducers of the differences found ------------------------------ */

/* A machine with paging on (identity map of the low 4 MiB, page table at 0x31000), the TLB
 * configured as cfg, 'code' at 0x5000 and ESP = 0x9000. */
static struct tmach *repro_machine(const struct mmu_tlb_config *cfg, const uint8_t *code, size_t n)
{
    struct tmach *t = tm_new(CPU_386);
    CHECK_EQ(mmu_set_tlb_config(&t->mmu, cfg), 0);
    tm_flat32(t, 0x5000);
    tm_load(t, 0x5000, code, n);
    for (uint32_t k = 0; k < 1024; k++) {
        tm_wr32(t, PD + 4 * k, k == 0 ? PT_SEP | 3 : 0);
        tm_wr32(t, PT_SEP + 4 * k, k << 12 | 3);
    }
    t->cpu.cr3 = PD;
    t->cpu.cr0 |= CR0_PG;
    mmu_set_cr3(&t->mmu, PD, PW_FLUSH_API);
    mmu_set_cr0(&t->mmu, true, false);
    t->cpu.gpr[R_ESP] = 0x9000;
    return t;
}

/* 1. TLB off (--tlb off): every access walks. Three instructions (NOP, NOP, HLT): cpu_step
 *    counts one walk per instruction fetch; cpu_run counted two for each instruction that
 *    dc_run's outer part took (decode_reopen_window translated the fetch with
 *    mmu_fetch_ptr, the window stayed shut without a TLB entry, and cpu_exec_insn_decode
 *    fetched, and walked, again). Fixed in b704433; part of every run since. */
static void repro_tlb_off(void)
{
    static const uint8_t code[] = {0x90, 0x90, 0xF4};
    const struct mmu_tlb_config off = {TLB_OFF, 0, 0, TLB_LRU, 0};
    struct tmach *a = repro_machine(&off, code, sizeof code), *b = repro_machine(&off, code, sizeof code);
    CHECK_EQ(cpu_run(&a->cpu, 10), CPU_STOP_HALT);
    for (int i = 0; i < 3; i++)
        cpu_step(&b->cpu);
    CHECK(b->cpu.halted);
    struct mmu_tlb_stats sa = mmu_stats(&a->mmu), sb = mmu_stats(&b->mmu);
    printf("repro tlb off: walks cpu_run %" PRIu64 ", cpu_step %" PRIu64 "\n", sa.walks, sb.walks);
    CHECK_EQ(sa.walks, sb.walks);
    CHECK_EQ(sa.lookups, sb.lookups);
    tm_free(a);
    tm_free(b);
}

/* 2. (found by this test) A block whose last record touches memory (PUSH EAX, then HLT for
 *    the interpreter), run with a budget of one instruction: the code page's TLB entry
 *    must not get the replacement use of a fetch that does not happen in this call (it
 *    did, after the record), nor a second use for the fetch whose miss just filled it (a
 *    reopened window did): the LRU stamps and clock equal a single step's. */
static void repro_touch_after_last(void)
{
    static const uint8_t code[] = {0x50, 0xF4};
    const struct mmu_tlb_config lru = {TLB_SETASSOC, 8, 4, TLB_LRU, 0};
    struct tmach *a = repro_machine(&lru, code, sizeof code), *b = repro_machine(&lru, code, sizeof code);
    cpu_run(&a->cpu, 1);
    cpu_step(&b->cpu);
    CHECK_EQ(a->cpu.icount, 1);
    CHECK_EQ(b->cpu.icount, 1);
    const struct mmu_tlb_entry *ea = mmu_tlb_peek(&a->mmu, 0x5000), *eb = mmu_tlb_peek(&b->mmu, 0x5000);
    CHECK(ea && eb);
    if (ea && eb) {
        printf("repro touch after the last record: code page stamp cpu_run %" PRIu64 ", cpu_step %" PRIu64
               ", clock %" PRIu64 "/%" PRIu64 "\n", ea->stamp, eb->stamp, a->mmu.tick, b->mmu.tick);
        CHECK_EQ(ea->stamp, eb->stamp);
        CHECK_EQ(a->mmu.tick, b->mmu.tick);
    }
    tm_free(a);
    tm_free(b);
}

int main(int argc, char **argv)
{
    int a = 1;
    if (getenv("PW_RUNSTEP_SLICE"))
        fixed_slice = (uint32_t)strtoul(getenv("PW_RUNSTEP_SLICE"), NULL, 0);
    repro_tlb_off();          /* (found by this test: kept as checks) */
    repro_touch_after_last();
    uint64_t first = argc > a ? strtoull(argv[a], NULL, 0) : 0;
    uint64_t count = argc > a + 1 ? strtoull(argv[a + 1], NULL, 0) : 600;
    for (uint64_t k = first; k < first + count && case_failures < 5; k++)
        run_case(k);
    printf("%" PRIu64 " programs, %" PRIu64 " instructions, %" PRIu64 " slices, %" PRIu64 " exceptions\n",
           count, total_insns, total_slices, total_exc);
    return test_summary("test_cpu_runstep");
}
