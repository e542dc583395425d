/* Exhaustive 8-bit checks of the ALU, shifts/rotates, MUL/IMUL/DIV/IDIV and DAA/DAS against
 * references computed here from first principles (bit by bit, signed ranges, nibble
 * carries), independent of the lazy-flag code. Undefined flags are masked per instruction
 * (Intel 386 manual, appendix C). */
#include "fixture.h"
#include "snippets.h"

#define CODE 0x1000u
#define DE_HANDLER 0x7000u

static struct tmach *t;

static bool parity_even(uint8_t v)
{
    int n = 0;
    for (int b = 0; b < 8; b++)
        n += (v >> b) & 1;
    return (n & 1) == 0;
}
static uint32_t ref_szp(uint8_t r)
{
    return (r == 0 ? FL_ZF : 0) | (r & 0x80 ? FL_SF : 0) | (parity_even(r) ? FL_PF : 0);
}

/* Runs the one instruction at CODE with the given registers and flags. */
static void run1(const uint8_t *code, size_t n, uint32_t eax, uint32_t ebx, uint32_t ecx,
                 uint32_t edx, uint32_t flags)
{
    struct cpu *c = &t->cpu;
    tm_load(t, CODE, code, n);
    c->gpr[R_EAX] = eax;
    c->gpr[R_EBX] = ebx;
    c->gpr[R_ECX] = ecx;
    c->gpr[R_EDX] = edx;
    c->gpr[R_ESP] = 0x90000;
    cpu_set_eflags(c, flags | 0x2);
    c->eip = CODE;
    c->halted = false;
    tm_run(t, 1);
}

enum { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP, OP_INC, OP_DEC, OP_NEG };

/* Reference result and flags; *mask gets the defined flags. */
static uint8_t ref_alu(int op, uint8_t a, uint8_t b, bool cin, uint32_t *flags, uint32_t *mask)
{
    int ua = a, ub = b, sa = (int8_t)a, sb = (int8_t)b, c = cin;
    int full, sfull, nib;
    bool is_add;
    *mask = FL_ARITH;
    switch (op) {
    case OP_ADD: case OP_ADC: case OP_INC:
        if (op == OP_ADD) c = 0;
        if (op == OP_INC) { ub = 1; sb = 1; c = 0; }
        full = ua + ub + c; sfull = sa + sb + c; nib = (ua & 15) + (ub & 15) + c; is_add = true;
        break;
    case OP_SUB: case OP_SBB: case OP_CMP: case OP_DEC: case OP_NEG:
        if (op == OP_SUB || op == OP_CMP) c = 0;
        if (op == OP_DEC) { ub = 1; sb = 1; c = 0; }
        if (op == OP_NEG) { ub = ua; sb = sa; ua = 0; sa = 0; c = 0; }
        full = ua - ub - c; sfull = sa - sb - c; nib = (ua & 15) - (ub & 15) - c; is_add = false;
        break;
    default: {
        uint8_t r = op == OP_OR ? (a | b) : op == OP_AND ? (a & b) : (a ^ b);
        *flags = ref_szp(r);
        *mask = FL_ARITH & ~FL_AF; /* AF undefined after logic ops */
        return r;
    }
    }
    uint8_t r = (uint8_t)full;
    uint32_t f = ref_szp(r);
    if (is_add ? full > 0xFF : full < 0) f |= FL_CF;
    if (is_add ? nib > 0xF : nib < 0) f |= FL_AF;
    if (sfull > 127 || sfull < -128) f |= FL_OF;
    if (op == OP_INC || op == OP_DEC) { /* CF untouched */
        f = (f & ~FL_CF) | (cin ? FL_CF : 0);
    }
    *flags = f;
    return r;
}

static void test_alu_exhaustive(void)
{
    static const struct { const uint8_t *code; size_t n; int op; } ops[] = {
        {snip_add_al_bl, sizeof snip_add_al_bl, OP_ADD}, {snip_or_al_bl, sizeof snip_or_al_bl, OP_OR},
        {snip_adc_al_bl, sizeof snip_adc_al_bl, OP_ADC}, {snip_sbb_al_bl, sizeof snip_sbb_al_bl, OP_SBB},
        {snip_and_al_bl, sizeof snip_and_al_bl, OP_AND}, {snip_sub_al_bl, sizeof snip_sub_al_bl, OP_SUB},
        {snip_xor_al_bl, sizeof snip_xor_al_bl, OP_XOR}, {snip_cmp_al_bl, sizeof snip_cmp_al_bl, OP_CMP},
        {snip_inc_al, sizeof snip_inc_al, OP_INC}, {snip_dec_al, sizeof snip_dec_al, OP_DEC},
        {snip_neg_al, sizeof snip_neg_al, OP_NEG},
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        int bad = 0;
        for (int cin = 0; cin < 2; cin++)
            for (int a = 0; a < 256; a++)
                for (int b = 0; b < 256; b++) {
                    bool unary = ops[k].op >= OP_INC;
                    if (unary && b) /* unary ops: one pass over a */
                        continue;
                    run1(ops[k].code, ops[k].n, 0xAABBCC00u | a, 0x11223300u | b, 0, 0,
                         cin ? FL_CF : 0);
                    uint32_t ef, mask;
                    uint8_t er = ref_alu(ops[k].op, (uint8_t)a, (uint8_t)b, cin, &ef, &mask);
                    if (ops[k].op == OP_CMP)
                        er = (uint8_t)a;
                    uint32_t eax = t->cpu.gpr[R_EAX], f = cpu_get_eflags(&t->cpu);
                    if (eax != (0xAABBCC00u | er) || (f & mask) != (ef & mask)) {
                        if (bad++ < 5)
                            fprintf(stderr, "alu op %d a=%02x b=%02x cf=%d: got al=%02x f=%03x want %02x %03x\n",
                                    ops[k].op, a, b, cin, eax & 0xFF, f & mask, er, ef & mask);
                    }
                }
        CHECK_EQ(bad, 0);
    }
}

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAR };

/* Intel's pseudo-code, one bit at a time. */
static uint8_t ref_shift(int op, uint8_t v, unsigned cnt, bool cf_in, uint32_t fl_in, uint32_t *flags,
                         uint32_t *mask)
{
    unsigned n = cnt & 31;
    bool cf = cf_in, of = (fl_in & FL_OF) != 0;
    uint8_t orig = v;
    *mask = FL_CF | FL_OF;
    if (n == 0) {
        *flags = fl_in & FL_ARITH;
        *mask = FL_ARITH;
        return v;
    }
    switch (op) {
    case SH_ROL:
        for (unsigned k = 0; k < n % 8; k++) v = (uint8_t)(v << 1 | v >> 7);
        cf = v & 1;
        of = ((v >> 7) & 1) ^ cf;
        break;
    case SH_ROR:
        for (unsigned k = 0; k < n % 8; k++) v = (uint8_t)(v >> 1 | v << 7);
        cf = v >> 7;
        of = ((v >> 7) ^ (v >> 6)) & 1;
        break;
    case SH_RCL:
        for (unsigned k = 0; k < n % 9; k++) {
            bool t2 = v >> 7;
            v = (uint8_t)(v << 1 | cf);
            cf = t2;
        }
        of = ((v >> 7) & 1) ^ cf;
        if (n % 9 == 0) { cf = cf_in; of = (fl_in & FL_OF) != 0; }
        break;
    case SH_RCR:
        of = ((v >> 7) & 1) ^ cf;
        for (unsigned k = 0; k < n % 9; k++) {
            bool t2 = v & 1;
            v = (uint8_t)(v >> 1 | cf << 7);
            cf = t2;
        }
        if (n % 9 == 0) { cf = cf_in; of = (fl_in & FL_OF) != 0; }
        break;
    case SH_SHL:
        for (unsigned k = 0; k < n; k++) { cf = v >> 7; v = (uint8_t)(v << 1); }
        of = ((v >> 7) & 1) ^ cf;
        *mask |= FL_SF | FL_ZF | FL_PF;
        break;
    case SH_SHR:
        for (unsigned k = 0; k < n; k++) { cf = v & 1; v >>= 1; }
        of = orig >> 7;
        *mask |= FL_SF | FL_ZF | FL_PF;
        break;
    default:
        for (unsigned k = 0; k < n; k++) { cf = v & 1; v = (uint8_t)((int8_t)v >> 1); }
        of = 0;
        *mask |= FL_SF | FL_ZF | FL_PF;
        break;
    }
    if (n != 1 && op != SH_RCL && op != SH_RCR)
        *mask &= ~FL_OF; /* OF is defined for 1-bit shifts only */
    if (n != 1 && (op == SH_RCL || op == SH_RCR) && n % 9 != 0)
        *mask &= ~FL_OF;
    if ((op == SH_SHL || op == SH_SHR) && n >= 8)
        *mask &= ~FL_CF; /* undefined when the count reaches the operand size */
    *flags = (cf ? FL_CF : 0) | (of ? FL_OF : 0) | ref_szp(v);
    return v;
}

static void test_shift_exhaustive(void)
{
    static const struct { const uint8_t *code; size_t n; int op; } ops[] = {
        {snip_rol_al_cl, sizeof snip_rol_al_cl, SH_ROL}, {snip_ror_al_cl, sizeof snip_ror_al_cl, SH_ROR},
        {snip_rcl_al_cl, sizeof snip_rcl_al_cl, SH_RCL}, {snip_rcr_al_cl, sizeof snip_rcr_al_cl, SH_RCR},
        {snip_shl_al_cl, sizeof snip_shl_al_cl, SH_SHL}, {snip_shr_al_cl, sizeof snip_shr_al_cl, SH_SHR},
        {snip_sar_al_cl, sizeof snip_sar_al_cl, SH_SAR},
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        int bad = 0;
        for (uint32_t fin = 0; fin < 2; fin++)
            for (int v = 0; v < 256; v++)
                for (unsigned cnt = 0; cnt < 40; cnt++) {
                    uint32_t fl_in = fin ? (FL_CF | FL_OF | FL_ZF) : FL_SF;
                    run1(ops[k].code, ops[k].n, (uint32_t)v, 0, 0xFF00u | cnt, 0, fl_in);
                    uint32_t ef, mask;
                    uint8_t er = ref_shift(ops[k].op, (uint8_t)v, cnt, fl_in & FL_CF, fl_in, &ef, &mask);
                    uint32_t f = cpu_get_eflags(&t->cpu);
                    if ((t->cpu.gpr[R_EAX] & 0xFF) != er || (f & mask) != (ef & mask)) {
                        if (bad++ < 5)
                            fprintf(stderr, "shift op %d v=%02x cnt=%u: got %02x f=%03x want %02x %03x\n",
                                    ops[k].op, v, cnt, t->cpu.gpr[R_EAX] & 0xFF, f & mask, er, ef & mask);
                    }
                }
        CHECK_EQ(bad, 0);
    }
}

static void test_mul_exhaustive(void)
{
    int bad = 0;
    for (int a = 0; a < 256; a++)
        for (int b = 0; b < 256; b++) {
            run1(snip_mul_bl, sizeof snip_mul_bl, 0xFFFF0000u | a, (uint32_t)b, 0, 0, 0);
            uint32_t p = (uint32_t)(a * b);
            uint32_t f = cpu_get_eflags(&t->cpu) & (FL_CF | FL_OF);
            uint32_t ef = p > 0xFF ? FL_CF | FL_OF : 0;
            if (t->cpu.gpr[R_EAX] != (0xFFFF0000u | p) || f != ef)
                bad++;
            run1(snip_imul_bl, sizeof snip_imul_bl, 0xFFFF0000u | a, (uint32_t)b, 0, 0, 0);
            int sp = (int8_t)a * (int8_t)b;
            f = cpu_get_eflags(&t->cpu) & (FL_CF | FL_OF);
            ef = (sp > 127 || sp < -128) ? FL_CF | FL_OF : 0;
            if (t->cpu.gpr[R_EAX] != (0xFFFF0000u | (uint16_t)sp) || f != ef)
                bad++;
        }
    CHECK_EQ(bad, 0);
}

/* DIV/IDIV: quotient and remainder, or #DE as a fault (the handler sees the EIP of the
 * divide itself on its stack). */
static void test_div(void)
{
    int bad = 0, de = 0;
    for (uint32_t n = 0; n < 65536; n += 97)
        for (int d = 0; d < 256; d++) {
            for (int sgn = 0; sgn < 2; sgn++) {
                const uint8_t *code = sgn ? snip_idiv_bl : snip_div_bl;
                run1(code, 2 + 1, 0xABCD0000u | n, (uint32_t)d, 0, 0, 0);
                bool want_de;
                uint32_t want = 0;
                if (!sgn) {
                    want_de = d == 0 || n / (uint32_t)d > 0xFF;
                    if (!want_de)
                        want = (n % d) << 8 | (n / d);
                } else {
                    int sn = (int16_t)n, sd = (int8_t)d;
                    want_de = sd == 0 || sn / sd > 127 || sn / sd < -128;
                    if (!want_de)
                        want = (uint32_t)((uint8_t)(sn % sd) << 8 | (uint8_t)(sn / sd));
                }
                struct cpu *c = &t->cpu;
                if (want_de) {
                    de++;
                    /* the delivery used the one-step budget: EIP at the handler */
                    if (c->eip != DE_HANDLER || tm_rd32(t, c->gpr[R_ESP]) != CODE ||
                        (c->gpr[R_EAX] & 0xFFFF) != n)
                        bad++;
                } else if (c->eip != CODE + 2 || c->gpr[R_EAX] != (0xABCD0000u | want)) {
                    bad++;
                }
            }
        }
    CHECK_EQ(bad, 0);
    CHECK(de > 1000);
    /* 32-bit: EDX:EAX / EBX */
    run1(snip_div_ebx, sizeof snip_div_ebx, 0x00000010u, 3, 0, 0x2, 0);
    CHECK_EQ(t->cpu.gpr[R_EAX], 0xAAAAAAB0u);
    CHECK_EQ(t->cpu.gpr[R_EDX], 0u);
    run1(snip_div_ebx, sizeof snip_div_ebx, 0, 2, 0, 0x2, 0); /* quotient 2^32: #DE */
    CHECK_EQ(t->cpu.eip, DE_HANDLER);
    run1(snip_idiv_ebx, sizeof snip_idiv_ebx, 0, 0xFFFFFFFFu, 0, 0x80000000u, 0); /* -2^63 / -1 */
    CHECK_EQ(t->cpu.eip, DE_HANDLER);
    run1(snip_idiv_ebx, sizeof snip_idiv_ebx, 0xFFFFFFF9u, 2, 0, 0xFFFFFFFFu, 0); /* -7 / 2 */
    CHECK_EQ(t->cpu.gpr[R_EAX], 0xFFFFFFFDu);
    CHECK_EQ(t->cpu.gpr[R_EDX], 0xFFFFFFFFu);
    run1(snip_aam0, sizeof snip_aam0, 0x1234, 0, 0, 0, 0);
    CHECK_EQ(t->cpu.eip, DE_HANDLER);
}

static void test_daa_das(void)
{
    int bad = 0;
    for (int fl = 0; fl < 4; fl++)
        for (int a = 0; a < 256; a++) {
            bool cf = fl & 1, af = fl & 2;
            uint32_t fin = (cf ? FL_CF : 0) | (af ? FL_AF : 0);
            for (int das = 0; das < 2; das++) {
                run1(das ? snip_das : snip_daa, 2, (uint32_t)a, 0, 0, 0, fin);
                uint8_t al = (uint8_t)a;
                bool ncf = false, naf = false;
                if ((al & 0xF) > 9 || af) {
                    ncf = cf || (das ? al < 6 : al > 0xF9);
                    al = (uint8_t)(das ? al - 6 : al + 6);
                    naf = true;
                }
                if (a > 0x99 || cf) {
                    al = (uint8_t)(das ? al - 0x60 : al + 0x60);
                    ncf = true;
                }
                uint32_t ef = ref_szp(al) | (ncf ? FL_CF : 0) | (naf ? FL_AF : 0);
                uint32_t mask = FL_ARITH & ~FL_OF;
                if ((t->cpu.gpr[R_EAX] & 0xFF) != al || (cpu_get_eflags(&t->cpu) & mask) != ef)
                    bad++;
            }
        }
    CHECK_EQ(bad, 0);
}

/* SHLD/SHRD, IMUL r,r/m,imm, BTS with a bit offset beyond the operand, BSF/BSR, SETcc. */
static void test_misc32(void)
{
    run1(snip_shld_eax_ebx_cl, sizeof snip_shld_eax_ebx_cl, 0x12345678u, 0x9ABCDEF0u, 8, 0, 0);
    CHECK_EQ(t->cpu.gpr[R_EAX], 0x3456789Au);
    CHECK_EQ(cpu_get_eflags(&t->cpu) & FL_CF, 0u); /* last bit out: bit 24 of 0x12345678 = 0 */
    run1(snip_shrd_eax_ebx_cl, sizeof snip_shrd_eax_ebx_cl, 0x12345678u, 0x9ABCDEF0u, 4, 0, 0);
    CHECK_EQ(t->cpu.gpr[R_EAX], 0x01234567u);
    CHECK_EQ(cpu_get_eflags(&t->cpu) & FL_CF, FL_CF); /* bit 3 of 0x...78 = 1 */
    run1(snip_imul3, sizeof snip_imul3, 0, 0x40000000u, 0, 0, 0);
    CHECK_EQ(t->cpu.gpr[R_EAX], 0x40000000u); /* -3 * 2^30 = -3*2^30 mod 2^32 */
    CHECK_EQ(cpu_get_eflags(&t->cpu) & (FL_CF | FL_OF), FL_CF | FL_OF);

    tm_wr32(t, 0x3000, 0);
    tm_wr32(t, 0x3004, 0);
    tm_wr32(t, 0x2FFC, 0);
    run1(snip_bt_mem, sizeof snip_bt_mem, 0, 0, 37, 0, FL_CF); /* bit 37: dword 0x3004 bit 5 */
    CHECK_EQ(tm_rd32(t, 0x3004), 0x20u);
    CHECK_EQ(cpu_get_eflags(&t->cpu) & FL_CF, 0u);
    run1(snip_bt_mem, sizeof snip_bt_mem, 0, 0, (uint32_t)-1, 0, 0); /* bit -1: 0x2FFC bit 31 */
    CHECK_EQ(tm_rd32(t, 0x2FFC), 0x80000000u);

    run1(snip_bsf_bsr, sizeof snip_bsf_bsr, 0, 0x00F0F000u, 0, 0, 0);
    tm_run(t, 1);
    CHECK_EQ(t->cpu.gpr[R_EAX], 12u);
    CHECK_EQ(t->cpu.gpr[R_EDX], 23u);
    CHECK_EQ(cpu_get_eflags(&t->cpu) & FL_ZF, 0u);
    run1(snip_bsf_bsr, sizeof snip_bsf_bsr, 77, 0, 0, 0, 0);
    CHECK_EQ(t->cpu.gpr[R_EAX], 77u);
    CHECK_EQ(cpu_get_eflags(&t->cpu) & FL_ZF, FL_ZF);

    run1(snip_setcc, sizeof snip_setcc, (uint32_t)-5, 3, 0, 0, 0);
    tm_run(t, 4);
    CHECK_EQ(t->cpu.gpr[R_ECX] & 0xFFFF, 0x0001u); /* -5 < 3 signed; not below unsigned */
    CHECK_EQ(t->cpu.gpr[R_EDX] & 0xFFFF, 0x0100u); /* not greater; above unsigned */
}

int main(void)
{
    t = tm_new(CPU_386);
    tm_flat32(t, CODE);
    tm_set_gate(t, EXC_DE, DE_HANDLER);
    tm_load(t, DE_HANDLER, snip_de_handler, sizeof snip_de_handler);
    test_alu_exhaustive();
    test_shift_exhaustive();
    test_mul_exhaustive();
    test_div();
    test_daa_das();
    test_misc32();
    tm_free(t);
    return test_summary("test_cpu_alu");
}
