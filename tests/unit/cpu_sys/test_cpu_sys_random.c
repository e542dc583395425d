/* Randomised property test of the system half: random descriptors in the GDT and IDT,
 * random return frames on the stack, random selectors, then every system operation. Two
 * properties the manual's pseudo-code implies, checked after each operation:
 *
 *  - a fault raised before a task switch commits leaves CS, SS, ESP, EIP, EFLAGS and CPL
 *    as they were (the instruction restarts cleanly);
 *  - a completed transfer leaves a consistent machine: in protected mode CPL = CS.RPL,
 *    CS holds a code segment with EIP inside its limit, SS is a present writable data
 *    segment of DPL = CPL; in V86 mode CPL = 3 and CS.base = CS << 4.
 *
 * A fixed seed keeps the run reproducible; a failure prints the iteration. */
#include "fixture.h"

static uint32_t rng_state = 0x9E3779B9u;

static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

#define RND_ENTRIES 10 /* GDT entries 22..31 are random */

static uint16_t rnd_sel(void)
{
    static const uint16_t pool[] = {0, S_CODE0, S_DATA0, S_CODE3, S_DATA3, S_TSSA, S_TSSB,
                                    S_CALLG, S_TASKG, S_CONF0, S_DATA_NP, S_CODE1, S_DATA1,
                                    0x07, 0x0F, S_CODE16, S_CALLG16, S_TSS16, S_TSSC};
    uint32_t r = rnd() % 4;
    if (r == 0)
        return (uint16_t)rnd();
    if (r == 1)
        return (uint16_t)(((GDT_ENTRIES + rnd() % RND_ENTRIES) << 3) | (rnd() & 3));
    return (uint16_t)(pool[rnd() % (sizeof pool / sizeof pool[0])] | (rnd() % 3 == 0 ? rnd() & 3 : 0));
}

static void rnd_desc(struct fx *f, uint32_t table, unsigned idx)
{
    if (rnd() % 4 == 0) {
        wr32(f, table + idx * 8, rnd());
        wr32(f, table + idx * 8 + 4, rnd());
        return;
    }
    uint8_t p = (rnd() % 8) ? 0x80 : 0;
    uint8_t dpl = (uint8_t)((rnd() & 3) << 5);
    static const uint8_t types[] = {0x12, 0x13, 0x16, 0x10, 0x1A, 0x1B, 0x1E, 0x18, 0x09, 0x01,
                                    0x0B, 0x0C, 0x04, 0x05, 0x0E, 0x0F, 0x06, 0x07, 0x02};
    uint8_t t = types[rnd() % sizeof types];
    if (t == 0x0C || t == 0x04 || t == 0x05 || t == 0x0E || t == 0x0F || t == 0x06 || t == 0x07)
        set_gate(f, table, idx, rnd_sel(), rnd() % 2 ? 0x11000 : rnd(), (uint8_t)(p | dpl | t), rnd() % 4);
    else
        set_desc(f, table, idx, rnd() % 2 ? 0 : (rnd() & 0x3FF000), rnd() % 2 ? 0xFFFFF : rnd() & 0xFFFFF,
                 (uint8_t)(p | dpl | t), (uint8_t)(rnd() % 2 ? 0xC : rnd() & 0xF));
}

/* Back to a known ring-0 or ring-3 state with the fixture's tables. */
static void reset_state(struct fx *f, bool ring3)
{
    struct cpu *c = &f->c;
    fx_gdt(f);
    wr8(f, GDT_BASE + S_TSSA + 5, 0x8B); /* TSS A busy: it is the current task */
    fill_tss32(f, TSS_A, 0, 0x10000, S_CODE0, S_DATA0, S_DATA0, STK0_TOP);
    fill_tss32(f, TSS_B, 0, 0x12000, S_CODE0, S_DATA0, S_DATA0, 0x7800);
    fill_tss32(f, TSS_C, 0x20000, 0x12100, S_CODE3, S_DATA3, S_DATA3, 0x7000);
    for (unsigned i = 0; i < RND_ENTRIES; i++)
        rnd_desc(f, GDT_BASE, GDT_ENTRIES + i);
    for (unsigned v = 0; v < 0x30; v++)
        rnd_desc(f, IDT_BASE, v);
    c->gdtr.limit = (GDT_ENTRIES + RND_ENTRIES) * 8 - 1;
    c->idtr.limit = 0x2FF;
    c->cr0 = CR0_PE;
    c->cr3 = 0;
    mmu_set_cr3(&f->m, 0, PW_FLUSH_API);
    cpu_set_eflags(c, 0x202 | ((rnd() & 3) << 12) | (rnd() % 8 == 0 ? FL_NT : 0));
    cpu_set_seg_raw(c, SEG_CS, S_CODE0);
    for (int s = 0; s < 6; s++)
        if (s != SEG_CS)
            cpu_set_seg_raw(c, s, S_DATA0);
    cpu_mode_changed(c);
    c->tr.sel = S_TSSA;
    c->tr.base = TSS_A;
    c->tr.limit = 0x68 + 0x2000 / 8;
    c->tr.attr = 0x8B;
    c->tr.valid = true;
    c->ldtr.sel = S_LDT;
    c->ldtr.base = LDT_BASE;
    c->ldtr.limit = 0x17;
    c->ldtr.attr = 0x82;
    c->ldtr.valid = true;
    c->gpr[R_ESP] = STK0_TOP - 0x40;
    if (ring3)
        fx_ring3(f, STK3_TOP - 0x40);
    c->eip = 0x10000 + (rnd() & 0xFF);
    c->insn_eip = c->eip;
    c->fault_depth = 0;
    /* a random frame on the current stack for RET/IRET */
    uint32_t sp = c->seg[SEG_SS].base + c->gpr[R_ESP];
    for (uint32_t i = 0; i < 12; i++) {
        uint32_t r = rnd() % 4;
        uint32_t v = r == 0 ? rnd() : r == 1 ? rnd_sel() : r == 2 ? 0x10000 + (rnd() & 0xFF) : (rnd() & 0x3FFFF);
        wr32(f, sp + 4 * i, v);
    }
}

static bool consistent(struct cpu *c)
{
    if (!cpu_protected(c))
        return true;
    if (cpu_v86(c))
        return c->cpl == 3 && c->seg[SEG_CS].base == (uint32_t)c->seg[SEG_CS].sel << 4;
    const struct cpu_seg *cs = &c->seg[SEG_CS], *ss = &c->seg[SEG_SS];
    if (c->cpl != (cs->sel & 3u) || !cs->valid || !SEG_ATTR_S(cs->attr) || !(cs->attr & 0x8) ||
        !SEG_ATTR_P(cs->attr) || c->eip > cs->limit)
        return false;
    return ss->valid && SEG_ATTR_S(ss->attr) && !(ss->attr & 0x8) && (ss->attr & 0x2) &&
           SEG_ATTR_P(ss->attr) && SEG_ATTR_DPL(ss->attr) == c->cpl;
}

/* One random operation; false when the CPU shut down. The random choices are drawn
 * before the setjmp so nothing the fault path reads is kept in registers. */
static bool do_op(struct fx *f, unsigned op)
{
    struct cpu *c = &f->c;
    volatile uint16_t sel = rnd_sel();
    volatile uint32_t off = rnd() % 2 ? 0x10000 + (rnd() & 0xFF) : rnd();
    volatile bool op32 = rnd() % 4 != 0;
    volatile uint16_t imm = (uint16_t)(rnd() % 3 * 4);
    volatile uint8_t vec = (uint8_t)(0x20 + rnd() % 16);
    volatile int kind = (int)(rnd() % 5), has_err = (int)(rnd() % 2);
    volatile uint32_t err = rnd();
    volatile int xvec = (int)(rnd() % 16);
    volatile uint32_t xerr = rnd() % 2 ? CPU_NO_ERR : rnd() & 0xFFFF;
    volatile bool shut = false;
    uint32_t v;
    switch (op) {
    case 0: TRY(f, cpu_load_seg(c, SEG_DS, sel)); break;
    case 1: TRY(f, cpu_load_seg(c, SEG_SS, sel)); break;
    case 2: TRY(f, cpu_jmp_far(c, sel, off)); break;
    case 3: TRY(f, cpu_call_far(c, sel, off, op32)); break;
    case 4: TRY(f, cpu_ret_far(c, op32, imm)); break;
    case 5: TRY(f, cpu_iret(c, op32)); break;
    case 6: TRY(f, cpu_interrupt(c, vec, (enum cpu_int_kind)kind, has_err, err)); break;
    case 7: TRY(f, shut = !cpu_deliver_exception(c, xvec, xerr)); break;
    default:
        TRY(f, (void)cpu_lar(c, sel, &v); (void)cpu_lsl(c, sel, &v); (void)cpu_verr(c, sel);
            (void)cpu_verw(c, sel));
        break;
    }
    return !shut;
}

int main(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    int bad_restart = 0, bad_state = 0, faults = 0, done = 0;
    for (int it = 0; it < 30000; it++) {
        reset_state(&f, rnd() % 2);
        uint16_t cs0 = c->seg[SEG_CS].sel, ss0 = c->seg[SEG_SS].sel, tr0 = c->tr.sel;
        uint32_t esp0 = c->gpr[R_ESP], eip0 = c->eip, fl0 = cpu_get_eflags(c);
        unsigned cpl0 = c->cpl;
        unsigned op = rnd() % 9;
        if (!do_op(&f, op))
            continue;
        if (f.exc >= 0) {
            faults++;
            if (c->tr.sel == tr0 &&
                (c->seg[SEG_CS].sel != cs0 || c->seg[SEG_SS].sel != ss0 || c->gpr[R_ESP] != esp0 ||
                 c->eip != eip0 || cpu_get_eflags(c) != fl0 || c->cpl != cpl0)) {
                if (bad_restart++ < 5)
                    fprintf(stderr, "iteration %d op %u: fault %d(%#x) changed the state\n", it, op,
                            f.exc, f.err);
            }
        } else {
            done++;
            if (!consistent(c) && bad_state++ < 5)
                fprintf(stderr, "iteration %d op %u: inconsistent state after success\n", it, op);
        }
    }
    CHECK_EQ(bad_restart, 0);
    CHECK_EQ(bad_state, 0);
    /* the generator must exercise both outcomes */
    CHECK(faults > 1000);
    CHECK(done > 1000);
    printf("faults %d, completed %d\n", faults, done);
    fx_free(&f);
    return test_summary("test_cpu_sys_random");
}
