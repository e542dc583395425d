/* Decoding 32-bit code into struct dinsn (cpu/dcache.h), and the cache's two special
 * handlers. The decoder covers the instructions compiled code and our workloads spend their
 * time in (see dc_ops.h for the list); anything else, and anything unusual (LOCK, REP,
 * a 16-bit operand size for a word operation, group encodings that are #UD, prefix runs
 * that near the 15-byte limit), is cached as "interpret" and runs through the byte-by-byte
 * interpreter (decode.c), which owns every fault and corner case. Formats: Intel 386 manual
 * 17.2 (instruction format) and tables 17-2/17-3 (ModRM and SIB); the opcode map is in
 * appendix A. */
#include <stddef.h>
#include <stdlib.h>

#include "cpu/dblock.h"

struct dcache *dc_create(void)
{
    /* (aligned_alloc wants a size that is a multiple of the alignment) */
    struct dcache *dc = aligned_alloc(64, (sizeof(struct dcache) + 63) & ~(size_t)63);
    if (!dc)
        return NULL;
    for (unsigned k = 0; k < DC_SIZE; k++)
        dc->e[k] = (struct dinsn){.op = DC_OP_miss}; /* mask 0: matches anything, decodes */
    dc->blocks = db_create();
    if (!dc->blocks) {
        free(dc);
        return NULL;
    }
    return dc;
}

void dc_destroy(struct dcache *dc)
{
    if (dc)
        db_destroy(dc->blocks);
    free(dc);
}

/* seg_lin's fast case (decode.h): a present, writable, expand-up data segment needs only
 * its limit compared, unless a 486 alignment check could fault (ac) */
static bool seg_ac(const struct cpu *c)
{
    return (c->eflags & FL_AC) && c->model >= CPU_486 && (c->cr0 & CR0_AM) && c->cpl == 3;
}
static bool seg_fast(const struct cpu *c, const struct cpu_seg *s, bool ac)
{
    return !ac && (s->attr & 0x1E) == 0x12 && (s->valid || !c->pm_checks);
}

/* flat (base 0, limit 4 GiB - 1): not even the limit compare (dc_ops.h, dc_seg_flat) */
static bool seg_flat(const struct cpu *c, const struct cpu_seg *s, bool ac)
{
    return seg_fast(c, s, ac) && s->base == 0 && s->limit == 0xFFFFFFFFu;
}

void dc_seg_learn_set(struct cpu *c, unsigned set)
{
    bool ac = seg_ac(c);
    for (; set; set &= set - 1) {
        int sreg = __builtin_ctz(set);
        const struct cpu_seg *s = &c->seg[sreg];
        c->dc_seg_end[sreg] = seg_fast(c, s, ac) ? (uint64_t)s->limit + 1 : 0;
        uint8_t bit = (uint8_t)(1u << sreg);
        c->dc_notflat =
            (uint8_t)(seg_flat(c, s, ac) ? c->dc_notflat & ~bit : c->dc_notflat | bit);
    }
}

void dc_seg_learn(struct cpu *c, int sreg)
{
    dc_seg_learn_set(c, 1u << sreg);
}

bool dc_seg_flat_now(const struct cpu *c, int sreg)
{
    return seg_flat(c, &c->seg[sreg], seg_ac(c));
}

void dc_interp(struct cpu *c, const struct dinsn *d)
{
    (void)d;
    c->eip = c->insn_eip;
    c->mmu->slow_seq++; /* the interpreter's accesses bypass the inline accessors' counts */
    c->mmu->code_seq++;
    cpu_exec_insn_decode(c);
}

void dc_miss(struct cpu *c, const struct dinsn *dconst)
{
    struct dinsn *d = (struct dinsn *)dconst; /* the slot itself: the table is ours */
    const uint8_t *p = c->fw_host + (c->seg[SEG_CS].base + c->insn_eip - c->fw_lin);
    dc_decode(c, p, d);
    c->eip = c->insn_eip + d->len;
    dc_exec(c, d);
}

static inline uint32_t rd16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static inline uint32_t rd32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ModRM (+ SIB + displacement) at p[*n]; fills reg/rm and, for memory forms, the address
 * recipe and segment. Returns mod. */
#define DC_GPR_OFF(r) ((uint16_t)(offsetof(struct cpu, gpr) + 4 * (r)))
#define DC_ZERO_OFF ((uint16_t)offsetof(struct cpu, ea_zero))

static unsigned modrm(const uint8_t *p, unsigned *n, bool a32, int seg_ovr, struct dinsn *d)
{
    uint8_t m = p[(*n)++];
    unsigned mod = m >> 6, rm = m & 7;
    d->reg = (m >> 3) & 7;
    d->rm = (uint8_t)rm;
    if (mod == 3)
        return mod;
    bool ss = false;
    if (!a32) {
        d->a16 = 1; /* dc_decode hands the instruction to the interpreter */
        return mod;
    }
    if (rm == 4) {
        uint8_t sib = p[(*n)++];
        unsigned base = sib & 7, idx = (sib >> 3) & 7;
        if (base == 5 && mod == 0) {
            d->disp = rd32(p + *n);
            *n += 4;
        } else {
            d->boff = DC_GPR_OFF(base);
            ss = base == R_ESP || base == R_EBP;
        }
        if (idx != 4) {
            d->ioff = DC_GPR_OFF(idx);
            d->scale = sib >> 6;
        }
    } else if (rm == 5 && mod == 0) {
        d->disp = rd32(p + *n);
        *n += 4;
    } else {
        d->boff = DC_GPR_OFF(rm);
        ss = rm == R_EBP;
    }
    if (mod == 1)
        d->disp += (uint32_t)(int32_t)(int8_t)p[(*n)++];
    else if (mod == 2) {
        d->disp += rd32(p + *n);
        *n += 4;
    }
    d->seg = (uint8_t)(seg_ovr >= 0 ? seg_ovr : ss ? SEG_SS : SEG_DS);
    return mod;
}

static const uint16_t alu_fn[8][10] = {
#define ROW(n) {DC_OP_d_##n##_rr, DC_OP_d_##n##_rm, DC_OP_d_##n##_mr, DC_OP_d_##n##_ri, \
                DC_OP_d_##n##_mi, DC_OP_d_##n##_rr8, DC_OP_d_##n##_rm8, DC_OP_d_##n##_mr8, \
                DC_OP_d_##n##_ri8, DC_OP_d_##n##_mi8}
    ROW(add), ROW(or), ROW(adc), ROW(sbb), ROW(and), ROW(sub), ROW(xor), ROW(cmp),
#undef ROW
};
enum { RR, RM, MR, RI, MI, RR8, RM8, MR8, RI8, MI8 };

/* The instruction bytes 0..len-1 become the entry's key. */
static void set_key(struct dinsn *d, const uint8_t *p, unsigned len)
{
    uint64_t w0, w1;
    memcpy(&w0, p, 8);
    memcpy(&w1, p + 8, 8);
    d->len = (uint8_t)len;
    d->mask = len >= 8 ? ~0ull : (1ull << (8 * len)) - 1;
    d->bytes = w0 & d->mask;
    d->mask2 = len <= 8 ? 0 : len >= 16 ? ~0ull : (1ull << (8 * (len - 8))) - 1;
    d->bytes2 = w1 & d->mask2;
}

/* The first instructions of fused pairs, and the fused record they make. */
static unsigned fused_op(unsigned h, unsigned cc)
{
#define DC_FCASE(name, first) \
    if (h == DC_OP_##first)   \
        return cc == 4 ? DC_OP_##name##_z : cc == 5 ? DC_OP_##name##_nz : DC_OP_##name;
    DC_FUSED(DC_FCASE)
#undef DC_FCASE
    return 0;
}
static bool fusible(unsigned h) { return fused_op(h, 0) != 0; }

/* d's key already covers both instructions (n1 + n2 bytes). */
static bool fuse(struct dinsn *d, unsigned h, unsigned n1, unsigned n2, unsigned cc, uint32_t rel)
{
    d->op = (uint16_t)fused_op(h, cc);
    d->len = (uint8_t)n1;
    d->len2 = (uint8_t)n2;
    d->cc = (uint8_t)cc;
    d->imm = rel;
    return true;
}

bool dc_decode(const struct cpu *c, const uint8_t *p, struct dinsn *d)
{
    (void)c; /* a decode depends on the bytes alone (dcache.h) */
    *d = (struct dinsn){.boff = DC_ZERO_OFF, .ioff = DC_ZERO_OFF};
    unsigned n = 0;
    bool op32 = true, a32 = true;
    int seg = -1;
    for (;; n++) {
        uint8_t b = p[n];
        if (b == 0x66)
            op32 = false;
        else if (b == 0x67)
            a32 = false;
        else if (b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E)
            seg = (b >> 3) & 3;
        else if (b == 0x64 || b == 0x65)
            seg = b == 0x64 ? SEG_FS : SEG_GS;
        else
            break;
        if (n >= 4)
            goto interp; /* long prefix runs: the interpreter counts the 15-byte limit */
    }
    unsigned op = p[n++];
    if (op == 0x0F)
        op = 0x100u | p[n++];
    unsigned h = DC_OP_interp;
    unsigned mod;

    if (op < 0x40 && (op & 7) <= 5) {
        /* the group-1 operations in their six forms */
        unsigned alu = op >> 3, form = op & 7;
        switch (form) {
        case 0: /* Eb,Gb */
            mod = modrm(p, &n, a32, seg, d);
            h = alu_fn[alu][mod == 3 ? RR8 : MR8];
            break;
        case 1: /* Ev,Gv */
            if (!op32)
                goto interp;
            mod = modrm(p, &n, a32, seg, d);
            h = alu_fn[alu][mod == 3 ? RR : MR];
            break;
        case 2: /* Gb,Eb */
        case 3: /* Gv,Ev */
            if (form == 3 && !op32)
                goto interp;
            mod = modrm(p, &n, a32, seg, d);
            if (mod == 3) { /* register form: destination in rm, source in reg */
                uint8_t t = d->rm;
                d->rm = d->reg;
                d->reg = t;
                h = alu_fn[alu][form == 2 ? RR8 : RR];
            } else {
                h = alu_fn[alu][form == 2 ? RM8 : RM];
            }
            break;
        case 4: /* AL,Ib */
            d->rm = R_EAX;
            d->imm = p[n++];
            h = alu_fn[alu][RI8];
            break;
        default: /* eAX,Iv */
            if (!op32)
                goto interp;
            d->rm = R_EAX;
            d->imm = rd32(p + n);
            n += 4;
            h = alu_fn[alu][RI];
            break;
        }
        goto done;
    }

    switch (op) {
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
    case 0x48: case 0x49: case 0x4A: case 0x4B: case 0x4C: case 0x4D: case 0x4E: case 0x4F:
        if (!op32)
            goto interp;
        d->rm = op & 7;
        h = op < 0x48 ? DC_OP_d_inc_r : DC_OP_d_dec_r;
        break;
    case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
    case 0x58: case 0x59: case 0x5A: case 0x5B: case 0x5C: case 0x5D: case 0x5E: case 0x5F:
        if (!op32)
            goto interp;
        d->rm = op & 7;
        h = op < 0x58 ? DC_OP_d_push_r : DC_OP_d_pop_r;
        break;
    case 0x68:
        if (!op32)
            goto interp;
        d->imm = rd32(p + n);
        n += 4;
        h = DC_OP_d_push_i;
        break;
    case 0x6A:
        if (!op32)
            goto interp;
        d->imm = (uint32_t)(int32_t)(int8_t)p[n++];
        h = DC_OP_d_push_i;
        break;
    case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
    case 0x78: case 0x79: case 0x7A: case 0x7B: case 0x7C: case 0x7D: case 0x7E: case 0x7F:
        if (!op32)
            goto interp; /* IP truncation: the interpreter */
        d->cc = op & 15;
        d->imm = (uint32_t)(int32_t)(int8_t)p[n++];
        h = DC_OP_d_jcc;
        break;
    case 0x80: case 0x82: /* group 1 Eb,Ib (82 is 80 on the 386) */
        mod = modrm(p, &n, a32, seg, d);
        d->imm = p[n++];
        h = alu_fn[d->reg][mod == 3 ? RI8 : MI8];
        break;
    case 0x81: case 0x83: /* group 1 Ev,Iv / Ev,Ib sign-extended */
        if (!op32)
            goto interp;
        mod = modrm(p, &n, a32, seg, d);
        if (op == 0x81) {
            d->imm = rd32(p + n);
            n += 4;
        } else {
            d->imm = (uint32_t)(int32_t)(int8_t)p[n++];
        }
        h = alu_fn[d->reg][mod == 3 ? RI : MI];
        break;
    case 0x84:
        mod = modrm(p, &n, a32, seg, d);
        h = mod == 3 ? DC_OP_d_test_rr8 : DC_OP_d_test_mr8;
        break;
    case 0x85:
        if (!op32)
            goto interp;
        mod = modrm(p, &n, a32, seg, d);
        h = mod == 3 ? DC_OP_d_test_rr : DC_OP_d_test_mr;
        break;
    case 0x88: /* MOV Eb,Gb */
        mod = modrm(p, &n, a32, seg, d);
        h = mod == 3 ? DC_OP_d_mov_rr8 : DC_OP_d_mov_mr8;
        break;
    case 0x89: /* MOV Ev,Gv */
        if (!op32)
            goto interp;
        mod = modrm(p, &n, a32, seg, d);
        h = mod == 3 ? DC_OP_d_mov_rr : DC_OP_d_mov_mr;
        break;
    case 0x8A: /* MOV Gb,Eb */
    case 0x8B: /* MOV Gv,Ev */
        if (op == 0x8B && !op32)
            goto interp;
        mod = modrm(p, &n, a32, seg, d);
        if (mod == 3) {
            uint8_t t = d->rm;
            d->rm = d->reg;
            d->reg = t;
            h = op == 0x8A ? DC_OP_d_mov_rr8 : DC_OP_d_mov_rr;
        } else {
            h = op == 0x8A ? DC_OP_d_mov_rm8 : DC_OP_d_mov_rm;
        }
        break;
    case 0x8D: /* LEA: the offset only, no segment, no access */
        if (!op32)
            goto interp;
        mod = modrm(p, &n, a32, seg, d);
        if (mod == 3)
            goto interp; /* #UD */
        h = DC_OP_d_lea;
        break;
    case 0x90:
        h = DC_OP_d_nop;
        break;
    case 0x98:
        if (!op32)
            goto interp;
        h = DC_OP_d_cwde;
        break;
    case 0x99:
        if (!op32)
            goto interp;
        h = DC_OP_d_cdq;
        break;
    case 0xA0: case 0xA1: case 0xA2: case 0xA3: /* MOV with a moffs operand */
        if (op & 1 && !op32)
            goto interp;
        d->seg = (uint8_t)(seg >= 0 ? seg : SEG_DS); /* the offset alone: no register */
        if (a32) {
            d->disp = rd32(p + n);
            n += 4;
        } else {
            d->disp = rd16(p + n);
            n += 2;
        }
        d->reg = R_EAX;
        h = op == 0xA0 ? DC_OP_d_mov_rm8 : op == 0xA1 ? DC_OP_d_mov_rm : op == 0xA2 ? DC_OP_d_mov_mr8 : DC_OP_d_mov_mr;
        break;
    case 0xA8:
        d->rm = R_EAX;
        d->imm = p[n++];
        h = DC_OP_d_test_ri8;
        break;
    case 0xA9:
        if (!op32)
            goto interp;
        d->rm = R_EAX;
        d->imm = rd32(p + n);
        n += 4;
        h = DC_OP_d_test_ri;
        break;
    case 0xB0: case 0xB1: case 0xB2: case 0xB3: case 0xB4: case 0xB5: case 0xB6: case 0xB7:
        d->rm = op & 7;
        d->imm = p[n++];
        h = DC_OP_d_mov_ri8;
        break;
    case 0xB8: case 0xB9: case 0xBA: case 0xBB: case 0xBC: case 0xBD: case 0xBE: case 0xBF:
        if (!op32)
            goto interp;
        d->rm = op & 7;
        d->imm = rd32(p + n);
        n += 4;
        h = DC_OP_d_mov_ri;
        break;
    case 0xC1: case 0xD1: case 0xD3: { /* group 2 Ev: SHL/SAL, SHR, SAR only */
        if (!op32)
            goto interp;
        mod = modrm(p, &n, a32, seg, d);
        if (d->reg < 4)
            goto interp; /* rotates */
        if (op == 0xC1)
            d->imm = p[n++];
        else if (op == 0xD1)
            d->imm = 1;
        else
            d->cc = 1;
        static const uint16_t sh[2][4] = {{DC_OP_d_shl_m, DC_OP_d_shr_m, DC_OP_d_shl_m, DC_OP_d_sar_m},
                                          {DC_OP_d_shl_r, DC_OP_d_shr_r, DC_OP_d_shl_r, DC_OP_d_sar_r}};
        h = sh[mod == 3][d->reg - 4];
        break;
    }
    case 0xC2:
    case 0xC3:
        if (!op32)
            goto interp;
        if (op == 0xC2) {
            d->imm = rd16(p + n);
            n += 2;
        }
        h = DC_OP_d_ret;
        break;
    case 0xC6:
    case 0xC7:
        if (op == 0xC7 && !op32)
            goto interp;
        mod = modrm(p, &n, a32, seg, d);
        if (d->reg != 0)
            goto interp; /* #UD */
        if (op == 0xC6) {
            d->imm = p[n++];
            h = mod == 3 ? DC_OP_d_mov_ri8 : DC_OP_d_mov_mi8;
        } else {
            d->imm = rd32(p + n);
            n += 4;
            h = mod == 3 ? DC_OP_d_mov_ri : DC_OP_d_mov_mi;
        }
        break;
    case 0xC9:
        if (!op32)
            goto interp;
        h = DC_OP_d_leave;
        break;
    case 0xE8:
    case 0xE9:
        if (!op32)
            goto interp;
        d->imm = rd32(p + n);
        n += 4;
        h = op == 0xE8 ? DC_OP_d_call : DC_OP_d_jmp;
        break;
    case 0xEB:
        if (!op32)
            goto interp;
        d->imm = (uint32_t)(int32_t)(int8_t)p[n++];
        h = DC_OP_d_jmp;
        break;
    case 0xF6: /* group 3 Eb: TEST only */
        mod = modrm(p, &n, a32, seg, d);
        if (d->reg > 1)
            goto interp;
        d->imm = p[n++];
        h = mod == 3 ? DC_OP_d_test_ri8 : DC_OP_d_test_mi8;
        break;
    case 0xF7: /* group 3 Ev: TEST, NOT, NEG */
        if (!op32)
            goto interp;
        mod = modrm(p, &n, a32, seg, d);
        if (d->reg <= 1) {
            d->imm = rd32(p + n);
            n += 4;
            h = mod == 3 ? DC_OP_d_test_ri : DC_OP_d_test_mi;
        } else if (d->reg == 2) {
            h = mod == 3 ? DC_OP_d_not_r : DC_OP_d_not_m;
        } else if (d->reg == 3) {
            h = mod == 3 ? DC_OP_d_neg_r : DC_OP_d_neg_m;
        } else {
            goto interp;
        }
        break;
    case 0xFC:
        h = DC_OP_d_cld;
        break;
    case 0xFD:
        h = DC_OP_d_std;
        break;
    case 0xFF: /* group 5: INC, DEC, CALL, JMP, PUSH (near forms) */
        if (!op32)
            goto interp;
        mod = modrm(p, &n, a32, seg, d);
        switch (d->reg) {
        case 0: h = mod == 3 ? DC_OP_d_inc_r : DC_OP_d_inc_m; break;
        case 1: h = mod == 3 ? DC_OP_d_dec_r : DC_OP_d_dec_m; break;
        case 2: h = mod == 3 ? DC_OP_d_call_r : DC_OP_d_call_m; break;
        case 4: h = mod == 3 ? DC_OP_d_jmp_r : DC_OP_d_jmp_m; break;
        case 6:
            if (mod == 3)
                goto interp;
            h = DC_OP_d_push_m;
            break;
        default: goto interp;
        }
        break;
    case 0x180: case 0x181: case 0x182: case 0x183: case 0x184: case 0x185: case 0x186:
    case 0x187: case 0x188: case 0x189: case 0x18A: case 0x18B: case 0x18C: case 0x18D:
    case 0x18E: case 0x18F:
        if (!op32)
            goto interp;
        d->cc = op & 15;
        d->imm = rd32(p + n);
        n += 4;
        h = DC_OP_d_jcc;
        break;
    case 0x190: case 0x191: case 0x192: case 0x193: case 0x194: case 0x195: case 0x196:
    case 0x197: case 0x198: case 0x199: case 0x19A: case 0x19B: case 0x19C: case 0x19D:
    case 0x19E: case 0x19F:
        mod = modrm(p, &n, a32, seg, d);
        d->cc = op & 15;
        d->imm = mod == 3;
        h = DC_OP_d_setcc;
        break;
    case 0x1B6: case 0x1B7: case 0x1BE: case 0x1BF:
        if (!op32)
            goto interp;
        mod = modrm(p, &n, a32, seg, d);
        d->cc = mod == 3;
        h = op == 0x1B6 ? DC_OP_d_movzx_b : op == 0x1B7 ? DC_OP_d_movzx_w : op == 0x1BE ? DC_OP_d_movsx_b : DC_OP_d_movsx_w;
        break;
    default:
        goto interp;
    }

done:
    if (d->a16)
        goto interp; /* a 16-bit ModRM address */
    if (fusible(h) && (p[n] & 0xF0) == 0x70 && n + 2 <= 15) {
        /* a Jcc rel8 right after a flag-setting register instruction (dc_ops.h, DC_FUSED) */
        set_key(d, p, n + 2);
        return fuse(d, h, n, 2, p[n] & 15, (uint32_t)(int32_t)(int8_t)p[n + 1]);
    }
    if (fusible(h) && p[n] == 0x0F && (p[n + 1] & 0xF0) == 0x80 && n + 6 <= 15) {
        set_key(d, p, n + 6);
        return fuse(d, h, n, 6, p[n + 1] & 15, rd32(p + n + 2));
    }
    if (d->ioff == DC_ZERO_OFF && (h == DC_OP_d_mov_rm || h == DC_OP_d_mov_mr))
        h = h == DC_OP_d_mov_rm ? DC_OP_d_mov_rm_b : DC_OP_d_mov_mr_b; /* no index register */
    set_key(d, p, n);
    d->op = (uint16_t)h;
    return true;

interp:
    /* Keyed by the bytes that led here (prefixes, opcode, maybe ModRM and displacement):
     * the same bytes always lead to the same verdict. */
    {
        unsigned keep = n + 3 < 15 ? n + 3 : 15;
        *d = (struct dinsn){0};
        set_key(d, p, keep);
        d->op = DC_OP_interp;
    }
    return false;
}
