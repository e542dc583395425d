/* Random i386 instruction streams: see gen.h for the layout and flags.md for the masks. */
#include "tests/diff/gen.h"

#include <string.h>

const char *const gen_group_names[G_NGROUPS] = {
    "alu", "incdec", "muldiv", "shift", "bits", "bcd", "move", "stack", "branch",
    "string", "flagops", "traps", "i486",
};

/* EFLAGS bits used in the masks */
#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define OF 0x800u

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

uint32_t gen_rand(struct gen_rng *r)
{
    /* splitmix64: tiny, seedable, good enough for test generation */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static uint32_t rnd(struct gen_rng *r, uint32_t n) { return n ? gen_rand(r) % n : 0; }
static uint32_t rnd32(struct gen_rng *r) { return (gen_rand(r) << 16) ^ gen_rand(r); }

/* Values that exercise carries, signs and overflow more often than uniform ones do. */
static uint32_t interesting(struct gen_rng *r)
{
    static const uint32_t v[] = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF,
                                 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE,
                                 0x80000001, 0x09, 0x99, 0x0F, 0xF0};
    switch (rnd(r, 4)) {
    case 0: return v[rnd(r, sizeof v / sizeof v[0])];
    case 1: return rnd(r, 0x100);
    default: return rnd32(r);
    }
}

/* ---- building one instruction ---------------------------------------------------- */

struct ib {
    uint8_t pre[8];
    int npre;
    uint8_t b[24];
    int n;
};

struct gctx {
    struct gen_rng *r;
    struct gen_case *c;
    uint8_t group;
    bool code32;
    uint8_t reserved;   /* registers set up for the instruction being built */
};

static void ib_byte(struct ib *ib, uint8_t v) { ib->b[ib->n++] = v; }
static void ib_imm(struct ib *ib, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        ib->b[ib->n++] = (uint8_t)(v >> (8 * i));
}
static void ib_prefix(struct ib *ib, uint8_t p) { ib->pre[ib->npre++] = p; }

static struct gen_insn *emit(struct gctx *g, struct ib *ib, const char *name, bool setup)
{
    struct gen_case *c = g->c;
    /* prefixes in a random order: the decoder must not care */
    for (int i = ib->npre - 1; i > 0; i--) {
        int j = (int)rnd(g->r, (uint32_t)i + 1);
        uint8_t t = ib->pre[i];
        ib->pre[i] = ib->pre[j];
        ib->pre[j] = t;
    }
    struct gen_insn *gi = &c->insn[c->n++];
    memset(gi, 0, sizeof *gi);
    gi->off = c->len;
    gi->len = (uint8_t)(ib->npre + ib->n);
    gi->group = g->group;
    gi->setup = setup;
    gi->name = name;
    gi->count_imm = -1;
    memcpy(c->code + c->len, ib->pre, (size_t)ib->npre);
    memcpy(c->code + c->len + ib->npre, ib->b, (size_t)ib->n);
    c->len += gi->len;
    return gi;
}

static bool room(struct gctx *g) { return g->c->n < DIFF_MAX_INSNS - 12 && g->c->len < DIFF_CODE_MAX - 160; }

/* MOV r32, imm32 (setup) */
static void set_reg(struct gctx *g, int reg, uint32_t val)
{
    struct ib ib = {0};
    if (!g->code32)
        ib_prefix(&ib, 0x66);
    ib_byte(&ib, (uint8_t)(0xB8 + reg));
    ib_imm(&ib, val, 4);
    emit(g, &ib, "mov r32,imm (setup)", true);
    g->reserved |= (uint8_t)(1u << reg);
}

static void set_byte(struct gctx *g, uint8_t op)
{
    struct ib ib = {0};
    ib_byte(&ib, op);
    emit(g, &ib, op == 0xFC ? "cld (setup)" : op == 0xFD ? "std (setup)" : "setup", true);
}

/* PUSH imm (setup): 16-bit in 16-bit code, 32-bit in 32-bit code */
static void push_imm(struct gctx *g, uint32_t v)
{
    struct ib ib = {0};
    ib_byte(&ib, 0x68);
    ib_imm(&ib, v, g->code32 ? 4 : 2);
    emit(g, &ib, "push imm (setup)", true);
}

static int pick_osz(struct gctx *g, struct ib *ib)
{
    bool flip = rnd(g->r, 3) == 0;
    if (flip)
        ib_prefix(ib, 0x66);
    return (g->code32 ^ flip) ? 32 : 16;
}
static int pick_asz(struct gctx *g, struct ib *ib)
{
    bool flip = rnd(g->r, 4) == 0;
    if (flip)
        ib_prefix(ib, 0x67);
    return (g->code32 ^ flip) ? 32 : 16;
}
static void maybe_segov(struct gctx *g, struct ib *ib)
{
    static const uint8_t ov[] = {0x26, 0x36, 0x3E, 0x64, 0x65}; /* never CS: it is code */
    if (rnd(g->r, 3) == 0)
        ib_prefix(ib, ov[rnd(g->r, 5)]);
}

/* A general register for a destination of 'size' bits: never ESP/SP. */
static int pick_dst(struct gctx *g, int size)
{
    int r;
    do
        r = (int)rnd(g->r, 8);
    while (size != 8 && r == ESP);
    return r;
}

/* Emits ModRM (+SIB, displacement) for a memory operand at effective address 'ea' and the
 * setup MOVs that make the base and index registers produce it. 'reg' goes into bits 5:3. */
static void modrm_mem_at(struct gctx *g, struct ib *ib, int reg, int asz, uint32_t ea)
{
    if (asz == 16) {
        static const int8_t base16[8] = {EBX, EBX, EBP, EBP, -1, -1, EBP, EBX};
        static const int8_t idx16[8] = {ESI, EDI, ESI, EDI, ESI, EDI, -1, -1};
        int rm, mod;
        for (;;) {
            rm = (int)rnd(g->r, 8);
            mod = (int)rnd(g->r, 3);
            int b = (mod == 0 && rm == 6) ? -1 : base16[rm], x = idx16[rm];
            if ((b >= 0 && (g->reserved >> b & 1)) || (x >= 0 && (g->reserved >> x & 1)))
                continue;
            break;
        }
        ib_byte(ib, (uint8_t)(mod << 6 | reg << 3 | rm));
        uint16_t disp = (uint16_t)(mod == 1 ? (uint16_t)(int8_t)rnd(g->r, 256) : rnd(g->r, 0x10000));
        if (mod == 0 && rm == 6) {
            ib_imm(ib, ea, 2);
            return;
        }
        if (mod == 0)
            disp = 0;
        uint16_t need = (uint16_t)(ea - disp);
        int b = base16[rm], x = idx16[rm];
        uint32_t hi = rnd32(g->r) & 0xFFFF0000u; /* upper halves are ignored by 16-bit EA */
        if (b >= 0 && x >= 0) {
            uint16_t bv = (uint16_t)rnd(g->r, 0x10000);
            set_reg(g, b, hi | bv);
            set_reg(g, x, (rnd32(g->r) & 0xFFFF0000u) | (uint16_t)(need - bv));
        } else {
            set_reg(g, b >= 0 ? b : x, hi | need);
        }
        if (mod == 1)
            ib_byte(ib, (uint8_t)disp);
        else if (mod == 2)
            ib_imm(ib, disp, 2);
        return;
    }
    /* 32-bit forms: all arithmetic wraps at 2^32 (Intel SDM vol. 1, 3.7.5) */
    for (;;) {
        int mod = (int)rnd(g->r, 3);
        int rm = (int)rnd(g->r, 8);
        if (rm == 4) {
            int scale = (int)rnd(g->r, 4), index = (int)rnd(g->r, 8), base = (int)rnd(g->r, 8);
            bool nobase = (mod == 0 && base == EBP);
            if (base == ESP && !nobase)
                continue;
            if (index == base && !nobase)
                mod = 2; /* base == index: only a disp32 can reach an arbitrary address */
            if ((!nobase && (g->reserved >> base & 1)) || (index != 4 && (g->reserved >> index & 1)))
                continue;
            uint32_t disp = mod == 1 ? (uint32_t)(int8_t)rnd(g->r, 256) : mod == 2 || nobase ? rnd32(g->r) : 0;
            uint32_t iv = index != 4 ? interesting(g->r) : 0;
            uint32_t scaled = iv << scale;
            if (nobase) {
                if (index == 4) {
                    disp = ea;
                } else {
                    disp = ea - scaled;
                }
            } else if (index == base) {
                disp = ea - iv - scaled;
            }
            ib_byte(ib, (uint8_t)(mod << 6 | reg << 3 | 4));
            ib_byte(ib, (uint8_t)(scale << 6 | index << 3 | base));
            if (index != 4)
                set_reg(g, index, iv);
            if (!nobase && index != base)
                set_reg(g, base, ea - disp - scaled);
            if (mod == 1)
                ib_byte(ib, (uint8_t)disp);
            else if (mod == 2 || nobase)
                ib_imm(ib, disp, 4);
            return;
        }
        if (mod == 0 && rm == 5) {
            ib_byte(ib, (uint8_t)(reg << 3 | 5));
            ib_imm(ib, ea, 4);
            return;
        }
        if (g->reserved >> rm & 1)
            continue;
        uint32_t disp = mod == 1 ? (uint32_t)(int8_t)rnd(g->r, 256) : mod == 2 ? rnd32(g->r) : 0;
        ib_byte(ib, (uint8_t)(mod << 6 | reg << 3 | rm));
        set_reg(g, rm, ea - disp);
        if (mod == 1)
            ib_byte(ib, (uint8_t)disp);
        else if (mod == 2)
            ib_imm(ib, disp, 4);
        return;
    }
}

static uint32_t pick_ea(struct gctx *g) { return 0x400 + rnd(g->r, 0xF000); }

/* ModRM with either a register (rm_is_dst: not ESP for 16/32-bit) or a memory operand.
 * Returns the rm register, or -1 for memory. */
static int modrm_any(struct gctx *g, struct ib *ib, int reg, int size, bool rm_is_dst, bool mem_only)
{
    if (mem_only || rnd(g->r, 2)) {
        int asz = pick_asz(g, ib);
        maybe_segov(g, ib);
        modrm_mem_at(g, ib, reg, asz, pick_ea(g));
        return -1;
    }
    int rm = rm_is_dst ? pick_dst(g, size) : (int)rnd(g->r, 8);
    ib_byte(ib, (uint8_t)(0xC0 | reg << 3 | rm));
    return rm;
}

/* Sets a register (any width) to an interesting value some of the time. */
static void maybe_seed_reg(struct gctx *g, int reg, int size)
{
    if (size == 8)
        reg &= 3;
    if (reg != ESP && !(g->reserved >> reg & 1) && rnd(g->r, 3) == 0)
        set_reg(g, reg, interesting(g->r));
}

/* ---- the groups ---------------------------------------------------------------------- */

static const char *const alu_names[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};

static uint32_t alu_undef(int op) { return (op == 1 || op == 4 || op == 6) ? AF : 0; }

static void gen_alu(struct gctx *g)
{
    struct ib ib = {0};
    int op = (int)rnd(g->r, 9); /* 8 = TEST */
    int form = (int)rnd(g->r, 4);
    bool byte = rnd(g->r, 3) == 0;
    int size = byte ? 8 : pick_osz(g, &ib);
    int isz = size == 8 ? 1 : size / 8;
    const char *name = op == 8 ? "test" : alu_names[op];
    uint32_t undef = op == 8 ? AF : alu_undef(op);
    int reg = pick_dst(g, size);
    maybe_seed_reg(g, reg, size);
    if (op == 8) {
        switch (form) {
        case 0: case 1:
            ib_byte(&ib, byte ? 0x84 : 0x85);
            modrm_any(g, &ib, reg, size, false, false);
            break;
        case 2:
            ib_byte(&ib, byte ? 0xA8 : 0xA9);
            ib_imm(&ib, interesting(g->r), isz);
            break;
        default:
            ib_byte(&ib, byte ? 0xF6 : 0xF7);
            modrm_any(g, &ib, 0, size, false, false);
            ib_imm(&ib, interesting(g->r), isz);
        }
    } else {
        bool lock_ok = op != 7;
        switch (form) {
        case 0: { /* op r/m, reg */
            ib_byte(&ib, (uint8_t)(op * 8 + (byte ? 0 : 1)));
            int rm = modrm_any(g, &ib, reg, size, true, false);
            if (rm < 0 && lock_ok && rnd(g->r, 8) == 0)
                ib_prefix(&ib, 0xF0);
            break;
        }
        case 1: /* op reg, r/m */
            ib_byte(&ib, (uint8_t)(op * 8 + (byte ? 2 : 3)));
            modrm_any(g, &ib, reg, size, false, false);
            break;
        case 2: /* op AL/eAX, imm */
            ib_byte(&ib, (uint8_t)(op * 8 + (byte ? 4 : 5)));
            ib_imm(&ib, interesting(g->r), isz);
            break;
        default: { /* 80/81/83 /op */
            bool sx = !byte && rnd(g->r, 2);
            ib_byte(&ib, byte ? 0x80 : sx ? 0x83 : 0x81);
            int rm = modrm_any(g, &ib, op, size, true, false);
            if (rm < 0 && lock_ok && rnd(g->r, 8) == 0)
                ib_prefix(&ib, 0xF0);
            ib_imm(&ib, interesting(g->r), sx ? 1 : isz);
        }
        }
    }
    struct gen_insn *gi = emit(g, &ib, name, false);
    gi->rule = undef ? FR_FIXED : FR_NONE;
    gi->undef = undef;
}

static void gen_incdec(struct gctx *g)
{
    struct ib ib = {0};
    int kind = (int)rnd(g->r, 4);
    static const char *const names[4] = {"inc", "dec", "not", "neg"};
    bool byte = rnd(g->r, 3) == 0;
    int size = byte ? 8 : pick_osz(g, &ib);
    if (kind < 2 && !byte && rnd(g->r, 2)) {
        int r = pick_dst(g, size);
        maybe_seed_reg(g, r, size);
        ib_byte(&ib, (uint8_t)(0x40 + kind * 8 + r));
    } else {
        ib_byte(&ib, byte ? (kind < 2 ? 0xFE : 0xF6) : (kind < 2 ? 0xFF : 0xF7));
        int rm = modrm_any(g, &ib, kind, size, true, false);
        /* no LOCK NEG: Unicorn computes its flags from the old value (deviations.md) */
        if (rm < 0 && kind != 3 && rnd(g->r, 8) == 0)
            ib_prefix(&ib, 0xF0);
    }
    emit(g, &ib, names[kind], false);
}

static void gen_muldiv(struct gctx *g)
{
    struct ib ib = {0};
    int kind = (int)rnd(g->r, 7);
    bool byte = kind < 4 && rnd(g->r, 3) == 0;
    int size = byte ? 8 : pick_osz(g, &ib);
    int isz = size == 8 ? 1 : size / 8;
    const uint32_t mul_undef = SF | ZF | AF | PF;
    if (kind < 2) { /* MUL, IMUL r/m */
        maybe_seed_reg(g, EAX, size);
        ib_byte(&ib, byte ? 0xF6 : 0xF7);
        modrm_any(g, &ib, 4 + kind, size, false, false);
        struct gen_insn *gi = emit(g, &ib, kind ? "imul r/m" : "mul", false);
        gi->rule = FR_FIXED;
        gi->undef = mul_undef;
        return;
    }
    if (kind < 4) { /* DIV, IDIV: dividend prepared so the quotient fits */
        bool sdiv = kind == 3;
        uint32_t d = interesting(g->r);
        int rm = -1;
        if (rnd(g->r, 3)) {
            /* register divisor, neither part of the dividend */
            do
                rm = (int)rnd(g->r, 8);
            while (byte ? ((rm & 3) == EAX) : (rm == EAX || rm == EDX || rm == ESP));
        }
        uint32_t mask = size == 32 ? 0xFFFFFFFFu : size == 16 ? 0xFFFFu : 0xFFu;
        d &= mask;
        if (d == 0)
            d = 1 + rnd(g->r, 9);
        if (rm >= 0)
            set_reg(g, byte ? (rm & 3) : rm, byte && rm >= 4 ? (rnd32(g->r) & 0xFFFF00FFu) | d << 8 : (rnd32(g->r) & ~mask) | d);
        uint32_t lo = rnd32(g->r);
        if (byte) {
            uint32_t ax;
            if (sdiv) {
                uint8_t al = (uint8_t)lo;
                ax = (uint32_t)(uint16_t)(int16_t)(int8_t)al;
            } else {
                uint32_t ah = rm >= 0 ? rnd(g->r, d) : 0;
                ax = ah << 8 | (lo & 0xFF);
            }
            set_reg(g, EAX, (rnd32(g->r) & 0xFFFF0000u) | ax);
        } else {
            set_reg(g, EAX, lo);
            uint32_t hi;
            if (sdiv)
                hi = ((size == 32 ? (int32_t)lo : (int16_t)lo) < 0) ? 0xFFFFFFFFu : 0;
            else
                hi = rm >= 0 ? rnd(g->r, d) : 0;
            set_reg(g, EDX, (rnd32(g->r) & ~mask) | (hi & mask));
        }
        ib_byte(&ib, byte ? 0xF6 : 0xF7);
        if (rm >= 0)
            ib_byte(&ib, (uint8_t)(0xC0 | (6 + sdiv) << 3 | rm));
        else
            modrm_any(g, &ib, 6 + sdiv, size, false, true);
        struct gen_insn *gi = emit(g, &ib, sdiv ? "idiv" : "div", false);
        gi->rule = FR_FIXED;
        gi->undef = CF | OF | SF | ZF | AF | PF;
        return;
    }
    /* IMUL r, r/m (0F AF); r, r/m, imm (69, 6B) */
    int reg = pick_dst(g, size);
    if (kind == 4) {
        ib_byte(&ib, 0x0F);
        ib_byte(&ib, 0xAF);
        modrm_any(g, &ib, reg, size, false, false);
    } else {
        bool i8 = kind == 6;
        ib_byte(&ib, i8 ? 0x6B : 0x69);
        modrm_any(g, &ib, reg, size, false, false);
        ib_imm(&ib, interesting(g->r), i8 ? 1 : isz);
    }
    struct gen_insn *gi = emit(g, &ib, kind == 4 ? "imul r,r/m" : "imul r,r/m,imm", false);
    gi->rule = FR_FIXED;
    gi->undef = mul_undef;
}

static uint8_t pick_count(struct gctx *g, int width)
{
    switch (rnd(g->r, 6)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return (uint8_t)width;
    case 3: return (uint8_t)(width + 1 + rnd(g->r, 3));
    case 4: return (uint8_t)rnd(g->r, 256);
    default: return (uint8_t)(2 + rnd(g->r, (uint32_t)width - 1));
    }
}

static void gen_shift(struct gctx *g)
{
    struct ib ib = {0};
    static const char *const names[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
    if (rnd(g->r, 4) == 0) { /* SHLD/SHRD */
        int size = pick_osz(g, &ib);
        bool right = rnd(g->r, 2), cl = rnd(g->r, 2);
        uint8_t count = pick_count(g, size);
        if (size == 16 && (count & 31) > 16)
            count = (uint8_t)(count & 15); /* result undefined above 16 (SDM SHLD/SHRD) */
        if (cl)
            set_reg(g, ECX, (rnd32(g->r) & ~0xFFu) | count);
        int reg = (int)rnd(g->r, 8);
        maybe_seed_reg(g, reg, size);
        ib_byte(&ib, 0x0F);
        ib_byte(&ib, (uint8_t)((right ? 0xAC : 0xA4) + cl));
        modrm_any(g, &ib, reg, size, true, false);
        if (!cl)
            ib_byte(&ib, count);
        struct gen_insn *gi = emit(g, &ib, right ? "shrd" : "shld", false);
        gi->rule = FR_SHXD;
        gi->width = (uint8_t)size;
        gi->count_imm = cl ? -1 : count;
        return;
    }
    int op;
    do
        op = (int)rnd(g->r, 8);
    while (op == 6); /* /6 is not a documented 386 encoding */
    bool byte = rnd(g->r, 3) == 0;
    int size = byte ? 8 : pick_osz(g, &ib);
    int form = (int)rnd(g->r, 3); /* 0: imm8, 1: by 1, 2: by CL */
    uint8_t count = form == 1 ? 1 : pick_count(g, size);
    if (form == 2)
        set_reg(g, ECX, (rnd32(g->r) & ~0xFFu) | count);
    ib_byte(&ib, (uint8_t)((form == 0 ? 0xC0 : form == 1 ? 0xD0 : 0xD2) + !byte));
    modrm_any(g, &ib, op, size, true, false);
    if (form == 0)
        ib_byte(&ib, count);
    struct gen_insn *gi = emit(g, &ib, names[op], false);
    gi->rule = op < 2 ? FR_ROT : op < 4 ? FR_RCX : FR_SHIFT;
    gi->width = (uint8_t)size;
    gi->count_imm = form == 2 ? -1 : count;
    gi->undef = op == 7 ? 1 : 0; /* FR_SHIFT: 1 marks SAR (CF stays defined) */
}

static void gen_bits(struct gctx *g)
{
    struct ib ib = {0};
    int kind = (int)rnd(g->r, 4);
    if (kind == 0) { /* SETcc r/m8 */
        int cc = (int)rnd(g->r, 16);
        ib_byte(&ib, 0x0F);
        ib_byte(&ib, (uint8_t)(0x90 + cc));
        modrm_any(g, &ib, 0, 8, true, false);
        emit(g, &ib, "setcc", false);
        return;
    }
    int size = pick_osz(g, &ib);
    if (kind == 1) { /* BSF/BSR */
        bool rev = rnd(g->r, 2);
        int reg = pick_dst(g, size);
        ib_byte(&ib, 0x0F);
        ib_byte(&ib, rev ? 0xBD : 0xBC);
        int rm = modrm_any(g, &ib, reg, size, false, false);
        if (rm >= 0 && rnd(g->r, 4) == 0 && rm != ESP)
            set_reg(g, rm, rnd(g->r, 2) ? 0 : 1u << rnd(g->r, 32));
        struct gen_insn *gi = emit(g, &ib, rev ? "bsr" : "bsf", false);
        gi->rule = FR_BSX;
        gi->undef = CF | OF | SF | AF | PF;
        gi->dst_reg = (uint8_t)reg;
        return;
    }
    static const char *const names[4] = {"bt", "bts", "btr", "btc"};
    int op = (int)rnd(g->r, 4);
    if (kind == 2) { /* BTx r/m, reg: memory form reaches beyond the operand */
        int reg;
        do
            reg = (int)rnd(g->r, 8);
        while (reg == ESP);
        int32_t off = (int32_t)rnd(g->r, 0x800) - 0x400;
        ib_byte(&ib, 0x0F);
        ib_byte(&ib, (uint8_t)(0xA3 + op * 8));
        if (rnd(g->r, 2)) {
            /* memory form: the offset is signed and reaches outside the operand (SDM BT) */
            set_reg(g, reg, (uint32_t)off);
            int asz = pick_asz(g, &ib);
            maybe_segov(g, &ib);
            modrm_mem_at(g, &ib, reg, asz, 0x800 + rnd(g->r, 0xE000));
            if (op && rnd(g->r, 8) == 0)
                ib_prefix(&ib, 0xF0);
        } else {
            maybe_seed_reg(g, reg, size);
            ib_byte(&ib, (uint8_t)(0xC0 | reg << 3 | pick_dst(g, size)));
        }
    } else { /* 0F BA /4../7 ib */
        ib_byte(&ib, 0x0F);
        ib_byte(&ib, 0xBA);
        modrm_any(g, &ib, 4 + op, size, true, false);
        ib_byte(&ib, (uint8_t)rnd(g->r, 256));
    }
    struct gen_insn *gi = emit(g, &ib, names[op], false);
    gi->rule = FR_FIXED;
    gi->undef = OF | SF | AF | PF;
}

static void gen_bcd(struct gctx *g)
{
    struct ib ib = {0};
    int kind = (int)rnd(g->r, 6);
    if (rnd(g->r, 2))
        set_reg(g, EAX, interesting(g->r));
    static const uint8_t ops[6] = {0x27, 0x2F, 0x37, 0x3F, 0xD4, 0xD5};
    static const char *const names[6] = {"daa", "das", "aaa", "aas", "aam", "aad"};
    static const uint32_t undef[6] = {OF, OF, OF | SF | ZF | PF, OF | SF | ZF | PF,
                                      OF | AF | CF, OF | AF | CF};
    ib_byte(&ib, ops[kind]);
    if (kind >= 4)
        ib_byte(&ib, rnd(g->r, 2) ? 10 : (uint8_t)(1 + rnd(g->r, 255)));
    struct gen_insn *gi = emit(g, &ib, names[kind], false);
    gi->rule = FR_FIXED;
    gi->undef = undef[kind];
}

static void gen_move(struct gctx *g)
{
    struct ib ib = {0};
    int kind = (int)rnd(g->r, 13);
    bool byte = rnd(g->r, 3) == 0;
    switch (kind) {
    case 11: { /* MOV Sreg, r16: the mode's own data selector (real 0, protected 0x10) */
        static const int sregs[5] = {0, 2, 3, 4, 5};
        int sr = sregs[rnd(g->r, 5)], reg = pick_dst(g, 16);
        set_reg(g, reg, (rnd32(g->r) & 0xFFFF0000u) | (g->code32 ? 0x10 : 0));
        if (rnd(g->r, 2))
            ib_prefix(&ib, 0x66); /* operand size is ignored for MOV Sreg */
        ib_byte(&ib, 0x8E);
        ib_byte(&ib, (uint8_t)(0xC0 | sr << 3 | reg));
        emit(g, &ib, "mov sreg,r", false);
        return;
    }
    case 12: { /* MOV r/m16, Sreg: memory, or a 16-bit register (a 32-bit one has
                * undefined upper bits on the 386, SDM MOV) */
        int sr = (int)rnd(g->r, 6);
        if (rnd(g->r, 2)) {
            if (g->code32)
                ib_prefix(&ib, 0x66);
            ib_byte(&ib, 0x8C);
            ib_byte(&ib, (uint8_t)(0xC0 | sr << 3 | pick_dst(g, 16)));
        } else {
            ib_byte(&ib, 0x8C);
            modrm_any(g, &ib, sr, 16, true, true);
        }
        emit(g, &ib, "mov r/m,sreg", false);
        return;
    }
    case 0: case 1: { /* MOV r/m,r and r,r/m */
        int size = byte ? 8 : pick_osz(g, &ib);
        int reg = pick_dst(g, size);
        ib_byte(&ib, (uint8_t)(0x88 + kind * 2 + !byte));
        modrm_any(g, &ib, reg, size, kind == 0, false);
        emit(g, &ib, "mov", false);
        return;
    }
    case 2: { /* MOV r/m, imm; MOV r, imm */
        int size = byte ? 8 : pick_osz(g, &ib);
        int isz = size == 8 ? 1 : size / 8;
        if (rnd(g->r, 2)) {
            ib_byte(&ib, byte ? 0xC6 : 0xC7);
            modrm_any(g, &ib, 0, size, true, false);
        } else {
            ib_byte(&ib, (uint8_t)((byte ? 0xB0 : 0xB8) + pick_dst(g, size)));
        }
        ib_imm(&ib, interesting(g->r), isz);
        emit(g, &ib, "mov imm", false);
        return;
    }
    case 3: { /* MOV AL/eAX <-> moffs */
        int size = byte ? 8 : pick_osz(g, &ib);
        (void)size;
        int asz = pick_asz(g, &ib);
        maybe_segov(g, &ib);
        ib_byte(&ib, (uint8_t)(0xA0 + 2 * rnd(g->r, 2) + !byte));
        ib_imm(&ib, pick_ea(g), asz / 8);
        emit(g, &ib, "mov moffs", false);
        return;
    }
    case 4: { /* MOVSX/MOVZX */
        int size = pick_osz(g, &ib);
        bool sx = rnd(g->r, 2), w = rnd(g->r, 2);
        ib_byte(&ib, 0x0F);
        ib_byte(&ib, (uint8_t)((sx ? 0xBE : 0xB6) + w));
        modrm_any(g, &ib, pick_dst(g, size), w ? 16 : 8, false, false);
        emit(g, &ib, sx ? "movsx" : "movzx", false);
        return;
    }
    case 5: { /* XCHG r/m, r */
        int size = byte ? 8 : pick_osz(g, &ib);
        ib_byte(&ib, byte ? 0x86 : 0x87);
        int rm = modrm_any(g, &ib, pick_dst(g, size), size, true, false);
        if (rm < 0 && rnd(g->r, 4) == 0)
            ib_prefix(&ib, 0xF0);
        emit(g, &ib, "xchg", false);
        return;
    }
    case 6: /* XCHG eAX, r (90 = NOP) */
        pick_osz(g, &ib);
        ib_byte(&ib, (uint8_t)(0x90 + pick_dst(g, 32)));
        emit(g, &ib, "xchg eax,r", false);
        return;
    case 7: { /* XLAT: [eBX + AL] */
        int asz = pick_asz(g, &ib);
        maybe_segov(g, &ib);
        uint32_t base = pick_ea(g);
        set_reg(g, EBX, asz == 16 ? (rnd32(g->r) & 0xFFFF0000u) | base : base);
        ib_byte(&ib, 0xD7);
        emit(g, &ib, "xlat", false);
        return;
    }
    case 8: { /* LEA: any address, nothing is accessed */
        int size = pick_osz(g, &ib);
        int asz = pick_asz(g, &ib);
        ib_byte(&ib, 0x8D);
        modrm_mem_at(g, &ib, pick_dst(g, size), asz, rnd32(g->r));
        emit(g, &ib, "lea", false);
        return;
    }
    case 9: /* CBW/CWDE */
        maybe_seed_reg(g, EAX, 32);
        pick_osz(g, &ib);
        ib_byte(&ib, 0x98);
        emit(g, &ib, "cbw/cwde", false);
        return;
    default: /* CWD/CDQ */
        maybe_seed_reg(g, EAX, 32);
        pick_osz(g, &ib);
        ib_byte(&ib, 0x99);
        emit(g, &ib, "cwd/cdq", false);
        return;
    }
}

/* MOV eBP, eSP so that LEAVE and ENTER's nesting reads stay inside the stack */
static void ebp_from_esp(struct gctx *g)
{
    struct ib ib = {0};
    if (!g->code32)
        ib_prefix(&ib, 0x66);
    ib_byte(&ib, 0x89);
    ib_byte(&ib, 0xE5);
    emit(g, &ib, "mov ebp,esp (setup)", true);
}

static void gen_stack(struct gctx *g)
{
    struct ib ib = {0};
    int kind = (int)rnd(g->r, 12);
    const char *name;
    switch (kind) {
    case 0: pick_osz(g, &ib); ib_byte(&ib, (uint8_t)(0x50 + rnd(g->r, 8))); name = "push r"; break;
    case 1: pick_osz(g, &ib); ib_byte(&ib, (uint8_t)(0x58 + pick_dst(g, 32))); name = "pop r"; break;
    case 2: {
        int size = pick_osz(g, &ib);
        bool i8 = rnd(g->r, 2);
        ib_byte(&ib, i8 ? 0x6A : 0x68);
        ib_imm(&ib, interesting(g->r), i8 ? 1 : size / 8);
        name = "push imm";
        break;
    }
    case 3: {
        int size = pick_osz(g, &ib);
        ib_byte(&ib, 0xFF);
        modrm_any(g, &ib, 6, size, false, false);
        name = "push r/m";
        break;
    }
    case 4: {
        int size = pick_osz(g, &ib);
        ib_byte(&ib, 0x8F);
        modrm_any(g, &ib, 0, size, true, false);
        name = "pop r/m";
        break;
    }
    case 5: pick_osz(g, &ib); ib_byte(&ib, 0x60); name = "pusha"; break;
    case 6: pick_osz(g, &ib); ib_byte(&ib, 0x61); name = "popa"; break;
    case 7: pick_osz(g, &ib); ib_byte(&ib, 0x9C); name = "pushf"; break;
    case 8: {
        /* POPF of a value without TF (it would trap) and without the 486+ AC/ID bits */
        uint32_t v = (rnd32(g->r) & (CF | PF | AF | ZF | SF | OF | 0x400u | 0x200u | 0x7000u)) | 2u;
        bool o16 = rnd(g->r, 2);
        struct ib p = {0};
        if (g->code32 == o16)
            ib_prefix(&p, 0x66);
        ib_byte(&p, 0x68);
        ib_imm(&p, v, o16 ? 2 : 4);
        emit(g, &p, "push imm (setup)", true);
        if (g->code32 == o16)
            ib_prefix(&ib, 0x66);
        ib_byte(&ib, 0x9D);
        name = "popf";
        break;
    }
    case 9: {
        ebp_from_esp(g);
        pick_osz(g, &ib);
        ib_byte(&ib, 0xC8);
        ib_imm(&ib, rnd(g->r, 0x100), 2);
        ib_byte(&ib, (uint8_t)(rnd(g->r, 4) ? rnd(g->r, 4) : rnd(g->r, 256)));
        name = "enter";
        /* the nesting level is masked to 5 bits: at most 31 frame pointers are copied */
        break;
    }
    case 10:
        ebp_from_esp(g);
        if (rnd(g->r, 2))
            push_imm(g, interesting(g->r));
        pick_osz(g, &ib);
        ib_byte(&ib, 0xC9);
        name = "leave";
        break;
    default: { /* PUSH Sreg; real mode also POP ES/DS/FS/GS of the same selector */
        static const uint8_t push_op[6][2] = {{0x06, 0}, {0x0E, 0}, {0x16, 0}, {0x1E, 0}, {0x0F, 0xA0}, {0x0F, 0xA8}};
        int s = (int)rnd(g->r, 6);
        pick_osz(g, &ib);
        if (rnd(g->r, 2) && s != 1) {
            /* POP Sreg of the mode's own data selector: real mode 0, protected mode the
             * flat data descriptor 0x10 (protected-mode loads read the GDT) */
            static const uint8_t pop_op[6][2] = {{0x07, 0}, {0, 0}, {0x17, 0}, {0x1F, 0}, {0x0F, 0xA1}, {0x0F, 0xA9}};
            push_imm(g, g->code32 ? 0x10 : 0);
            ib.npre = 0;
            ib_byte(&ib, pop_op[s][0]);
            if (pop_op[s][1])
                ib_byte(&ib, pop_op[s][1]);
            name = "pop sreg";
        } else {
            ib_byte(&ib, push_op[s][0]);
            if (push_op[s][1])
                ib_byte(&ib, push_op[s][1]);
            name = "push sreg";
        }
    }
    }
    emit(g, &ib, name, false);
}

static void gen_one(struct gctx *g, uint32_t groups);

/* The body a forward branch skips: one or two instructions of the straight-line groups. */
static void gen_body(struct gctx *g)
{
    uint8_t saved = g->group;
    int k = (int)rnd(g->r, 3);
    for (int i = 0; i < k; i++)
        gen_one(g, 1u << G_ALU | 1u << G_MOVE | 1u << G_INCDEC | 1u << G_FLAGOPS);
    g->group = saved;
}

/* Patches a rel8/rel16/rel32 field at code offset 'at' (ending at 'end') to reach 'target'. */
static void patch_rel(struct gen_case *c, uint32_t at, int bytes, uint32_t end, uint32_t target)
{
    uint32_t rel = target - end;
    for (int i = 0; i < bytes; i++)
        c->code[at + i] = (uint8_t)(rel >> (8 * i));
}

static void gen_branch(struct gctx *g)
{
    struct gen_case *c = g->c;
    struct ib ib = {0};
    int kind = (int)rnd(g->r, 11);
    int relsz = 1;
    const char *name;
    switch (kind) {
    case 0: ib_byte(&ib, (uint8_t)(0x70 + rnd(g->r, 16))); name = "jcc rel8"; break;
    case 1:
        ib_byte(&ib, 0x0F);
        ib_byte(&ib, (uint8_t)(0x80 + rnd(g->r, 16)));
        relsz = g->code32 ? 4 : 2;
        name = "jcc rel";
        break;
    case 2:
        if (rnd(g->r, 2)) {
            ib_byte(&ib, 0xEB);
            name = "jmp rel8";
        } else {
            ib_byte(&ib, 0xE9);
            relsz = g->code32 ? 4 : 2;
            name = "jmp rel";
        }
        break;
    case 3: {
        /* LOOP/LOOPE/LOOPNE/JCXZ count with CX or ECX by the address size */
        static const char *const n[4] = {"loopne", "loope", "loop", "jcxz"};
        int op = (int)rnd(g->r, 4);
        pick_asz(g, &ib);
        uint32_t cx = rnd(g->r, 2) ? rnd(g->r, 3) : interesting(g->r);
        if (rnd(g->r, 3) == 0)
            cx &= 0xFFFF0000u; /* CX = 0 but ECX != 0, and the other way round */
        set_reg(g, ECX, cx);
        ib_byte(&ib, (uint8_t)(0xE0 + op));
        name = n[op];
        break;
    }
    case 4:
        ib_byte(&ib, 0xE8);
        relsz = g->code32 ? 4 : 2;
        name = "call rel";
        break;
    case 5: { /* JMP/CALL r/m through a register */
        bool call = rnd(g->r, 2);
        int reg = pick_dst(g, 32);
        set_reg(g, reg, 0);
        uint32_t imm_at = c->len - 4;
        ib_byte(&ib, 0xFF);
        ib_byte(&ib, (uint8_t)(0xC0 | (call ? 2 : 4) << 3 | reg));
        emit(g, &ib, call ? "call r" : "jmp r", false);
        gen_body(g);
        patch_rel(c, imm_at, 4, 0, c->len + (g->code32 ? DIFF_CODE_BASE : 0));
        return;
    }
    case 7: case 8: { /* JMP/CALL ptr16:16/32 to the code segment, forward */
        bool call = kind == 8;
        ib_byte(&ib, call ? 0x9A : 0xEA);
        int osz = g->code32 ? 4 : 2;
        ib_imm(&ib, 0, osz);
        ib_imm(&ib, g->code32 ? 0x08 : DIFF_CODE_BASE >> 4, 2);
        struct gen_insn *gi = emit(g, &ib, call ? "call far" : "jmp far", false);
        uint32_t at = gi->off + gi->len - 2 - (uint32_t)osz;
        gen_body(g);
        patch_rel(c, at, osz, 0, c->len + (g->code32 ? DIFF_CODE_BASE : 0));
        return;
    }
    case 9: { /* RETF / IRET to the next instruction, same privilege */
        bool iret = rnd(g->r, 2);
        if (iret) {
            /* no TF (it would trap) and no NT (IRET would return from a task) */
            uint32_t fl = (rnd32(g->r) & (CF | PF | AF | ZF | SF | OF | 0x400u | 0x200u | 0x3000u)) | 2u;
            push_imm(g, fl);
        }
        struct ib pc = {0};
        ib_byte(&pc, 0x0E); /* PUSH CS */
        emit(g, &pc, "push cs (setup)", true);
        push_imm(g, 0);
        uint32_t imm_at = c->len - (g->code32 ? 4 : 2);
        bool imm = !iret && rnd(g->r, 2);
        ib_byte(&ib, iret ? 0xCF : imm ? 0xCA : 0xCB);
        if (imm)
            ib_imm(&ib, rnd(g->r, 0x20), 2);
        emit(g, &ib, iret ? "iret" : imm ? "retf imm" : "retf", false);
        patch_rel(c, imm_at, g->code32 ? 4 : 2, 0, c->len + (g->code32 ? DIFF_CODE_BASE : 0));
        return;
    }
    default: { /* RET / RET imm16 to the next instruction */
        bool imm = rnd(g->r, 2);
        push_imm(g, 0);
        uint32_t imm_at = c->len - (g->code32 ? 4 : 2);
        ib_byte(&ib, imm ? 0xC2 : 0xC3);
        if (imm)
            ib_imm(&ib, rnd(g->r, 0x20), 2);
        emit(g, &ib, imm ? "ret imm" : "ret", false);
        patch_rel(c, imm_at, g->code32 ? 4 : 2, 0, c->len + (g->code32 ? DIFF_CODE_BASE : 0));
        return;
    }
    }
    ib_imm(&ib, 0, relsz);
    struct gen_insn *gi = emit(g, &ib, name, false);
    uint32_t end = gi->off + gi->len;
    gen_body(g);
    patch_rel(c, end - (uint32_t)relsz, relsz, end, c->len);
}

static void gen_string(struct gctx *g)
{
    struct ib ib = {0};
    static const char *const names[5] = {"movs", "cmps", "stos", "lods", "scas"};
    static const uint8_t ops[5] = {0xA4, 0xA6, 0xAA, 0xAC, 0xAE};
    int kind = (int)rnd(g->r, 5);
    bool byte = rnd(g->r, 3) == 0;
    if (!byte)
        pick_osz(g, &ib);
    int asz = pick_asz(g, &ib);
    set_byte(g, rnd(g->r, 2) ? 0xFD : 0xFC);
    int rep = (int)rnd(g->r, 3); /* 0: none, 1: F3, 2: F2 (only meaningful for CMPS/SCAS) */
    if (rep == 2 && kind != 1 && kind != 4)
        rep = 1;
    if (rep) {
        uint32_t n = rnd(g->r, 34);
        set_reg(g, ECX, asz == 16 ? (rnd32(g->r) & 0xFFFF0000u) | n : n);
        ib_prefix(&ib, rep == 1 ? 0xF3 : 0xF2);
    }
    uint32_t hi = asz == 16 ? rnd32(g->r) & 0xFFFF0000u : 0;
    if (kind != 2 && kind != 4)
        set_reg(g, ESI, hi | (0x400 + rnd(g->r, 0xF000)));
    if (kind != 3)
        set_reg(g, EDI, hi | (0x400 + rnd(g->r, 0xF000)));
    if (kind == 4 || kind == 2)
        maybe_seed_reg(g, EAX, 32);
    if (kind != 2 && kind != 4)
        maybe_segov(g, &ib); /* overrides DS for the source; ES:eDI cannot be overridden */
    ib_byte(&ib, (uint8_t)(ops[kind] + !byte));
    emit(g, &ib, names[kind], false);
}

static void gen_flagops(struct gctx *g)
{
    struct ib ib = {0};
    static const uint8_t ops[9] = {0xF8, 0xF9, 0xF5, 0xFC, 0xFD, 0xFA, 0xFB, 0x9F, 0x9E};
    static const char *const names[9] = {"clc", "stc", "cmc", "cld", "std", "cli", "sti", "lahf", "sahf"};
    int k = (int)rnd(g->r, 9);
    if (k == 8)
        maybe_seed_reg(g, EAX, 32);
    ib_byte(&ib, ops[k]);
    emit(g, &ib, names[k], false);
}

/* Instructions that raise an exception or trap: the case ends there and only the vector is
 * compared (the two CPUs do not share an IDT). */
static void gen_traps(struct gctx *g)
{
    struct ib ib = {0};
    const char *name;
    switch (rnd(g->r, 6)) {
    case 0: ib_byte(&ib, 0xCC); name = "int3"; break;
    case 1: ib_byte(&ib, 0xCD); ib_byte(&ib, (uint8_t)rnd(g->r, 256)); name = "int n"; break;
    case 2: ib_byte(&ib, 0xCE); name = "into"; break;
    case 3: {
        int size = pick_osz(g, &ib);
        int reg = pick_dst(g, size);
        set_reg(g, reg, interesting(g->r));
        ib_byte(&ib, 0x62);
        int asz = pick_asz(g, &ib);
        modrm_mem_at(g, &ib, reg, asz, pick_ea(g));
        name = "bound";
        break;
    }
    case 4: {
        int size = pick_osz(g, &ib);
        int reg = pick_dst(g, size);
        set_reg(g, reg, 0);
        ib_byte(&ib, 0xF7);
        ib_byte(&ib, (uint8_t)(0xC0 | (6 + rnd(g->r, 2)) << 3 | reg));
        name = "div by 0";
        break;
    }
    default: ib_byte(&ib, 0x0F); ib_byte(&ib, 0x0B); name = "ud2"; break;
    }
    emit(g, &ib, name, false);
}

/* 486 additions (i486 manual, chapter 26): BSWAP r32, XADD and CMPXCHG r/m, r */
static void gen_i486(struct gctx *g)
{
    struct ib ib = {0};
    int kind = (int)rnd(g->r, 3);
    if (kind == 0) {
        /* BSWAP with a 16-bit operand is undefined (i486 manual, BSWAP): 32-bit only */
        if (!g->code32)
            ib_prefix(&ib, 0x66);
        int r = pick_dst(g, 32);
        maybe_seed_reg(g, r, 32);
        ib_byte(&ib, 0x0F);
        ib_byte(&ib, (uint8_t)(0xC8 + r));
        emit(g, &ib, "bswap", false);
        return;
    }
    bool byte = rnd(g->r, 3) == 0;
    int size = byte ? 8 : pick_osz(g, &ib);
    int reg = pick_dst(g, size);
    maybe_seed_reg(g, reg, size);
    if (kind == 2)
        maybe_seed_reg(g, EAX, size);
    ib_byte(&ib, 0x0F);
    ib_byte(&ib, (uint8_t)((kind == 1 ? 0xC0 : 0xB0) + !byte));
    int rm = modrm_any(g, &ib, reg, size, true, false);
    if (rm < 0 && rnd(g->r, 4) == 0)
        ib_prefix(&ib, 0xF0);
    emit(g, &ib, kind == 1 ? "xadd" : "cmpxchg", false);
}

static void gen_one(struct gctx *g, uint32_t groups)
{
    int cand[G_NGROUPS], n = 0;
    for (int i = 0; i < G_NGROUPS; i++)
        if (groups >> i & 1)
            cand[n++] = i;
    int grp = cand[rnd(g->r, (uint32_t)n)];
    g->group = (uint8_t)grp;
    g->reserved = 0;
    switch (grp) {
    case G_ALU: gen_alu(g); break;
    case G_INCDEC: gen_incdec(g); break;
    case G_MULDIV: gen_muldiv(g); break;
    case G_SHIFT: gen_shift(g); break;
    case G_BITS: gen_bits(g); break;
    case G_BCD: gen_bcd(g); break;
    case G_MOVE: gen_move(g); break;
    case G_STACK: gen_stack(g); break;
    case G_BRANCH: gen_branch(g); break;
    case G_STRING: gen_string(g); break;
    case G_FLAGOPS: gen_flagops(g); break;
    case G_I486: gen_i486(g); break;
    default: gen_traps(g); break;
    }
    g->reserved = 0;
}

void gen_case(struct gen_rng *r, bool code32, uint32_t groups, int ninsn, struct gen_case *out)
{
    struct gctx g = {.r = r, .c = out, .code32 = code32};
    out->code32 = code32;
    out->len = 0;
    out->n = 0;
    for (int i = 0; i < ninsn && room(&g); i++) {
        gen_one(&g, groups);
        /* a trap ends the comparable part of a case */
        if (out->n && out->insn[out->n - 1].group == G_TRAPS)
            break;
    }
    /* HLT as an end marker: never executed (both runners stop at the end of the code) */
    out->code[out->len] = 0xF4;
}

const struct gen_insn *gen_find(const struct gen_case *gc, uint32_t off)
{
    for (int i = 0; i < gc->n; i++)
        if (gc->insn[i].off == off)
            return &gc->insn[i];
    return NULL;
}

uint32_t gen_undef_flags(const struct gen_insn *gi, uint32_t ecx_before)
{
    uint32_t count = (uint32_t)(gi->count_imm >= 0 ? gi->count_imm : (int)(ecx_before & 0xFF)) & 31;
    switch (gi->rule) {
    case FR_FIXED:
    case FR_BSX:
        return gi->undef;
    case FR_SHIFT:
        if (count == 0)
            return 0;
        /* SDM SAL/SAR/SHL/SHR "Flags Affected" */
        return AF | (count != 1 ? OF : 0) | (!gi->undef && count >= gi->width ? CF : 0);
    case FR_ROT:
    case FR_RCX:
        /* SDM RCL/RCR/ROL/ROR "Flags Affected": OF only defined for 1-bit rotates */
        return count > 1 ? OF : 0;
    case FR_SHXD:
        if (count == 0)
            return 0;
        if (count > gi->width)
            return CF | OF | SF | ZF | AF | PF;
        return AF | (count != 1 ? OF : 0);
    default:
        return 0;
    }
}
