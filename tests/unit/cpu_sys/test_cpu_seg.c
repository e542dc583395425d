/* Segment loads with every protected-mode rule, LAR/LSL/VERR/VERW, LLDT/LTR, control
 * registers, I/O permission and the IOPL rules of POPF/CLI/STI. */
#include "fixture.h"

static void test_data_loads(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;

    /* DPL 3 data at CPL 0: allowed; the accessed bit is written to the GDT */
    CHECK_EQ(desc_access(&f, S_DATA3), 0xF2);
    TRY(&f, cpu_load_seg(c, SEG_DS, S_DATA3));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->seg[SEG_DS].sel, S_DATA3);
    CHECK(c->seg[SEG_DS].valid);
    CHECK_EQ(c->seg[SEG_DS].limit, 0xFFFFFFFFu);
    CHECK_EQ(desc_access(&f, S_DATA3), 0xF3);

    /* null selector: loads, marks the register unusable */
    TRY(&f, cpu_load_seg(c, SEG_ES, 0x0003));
    CHECK_EQ(f.exc, -1);
    CHECK(!c->seg[SEG_ES].valid);
    CHECK_EQ(c->seg[SEG_ES].sel, 0x0003);

    /* not present: #NP(selector) */
    TRY(&f, cpu_load_seg(c, SEG_DS, S_DATA_NP));
    CHECK_EQ(f.exc, EXC_NP);
    CHECK_EQ(f.err, S_DATA_NP);
    CHECK_EQ(c->seg[SEG_DS].sel, S_DATA3); /* unchanged */

    /* beyond the GDT limit: #GP(selector without RPL) */
    TRY(&f, cpu_load_seg(c, SEG_DS, 0x0203));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0x0200);

    /* a system descriptor: #GP(selector) */
    TRY(&f, cpu_load_seg(c, SEG_FS, S_TSSA));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_TSSA);

    /* readable code can be loaded into a data segment register */
    TRY(&f, cpu_load_seg(c, SEG_GS, S_CODE0));
    CHECK_EQ(f.exc, -1);

    /* the LDT: TI=1 */
    TRY(&f, cpu_load_seg(c, SEG_FS, 0x0007));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->seg[SEG_FS].base, 0x100000u);
    CHECK_EQ(c->seg[SEG_FS].limit, 0xFFFFu);
    /* LDT index beyond the LDT limit */
    TRY(&f, cpu_load_seg(c, SEG_FS, 0x001F));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0x001C);

    /* at CPL 3: a DPL-0 data segment is refused, conforming code is fine */
    fx_ring3(&f, STK3_TOP);
    CHECK_EQ(c->cpl, 3);
    TRY(&f, cpu_load_seg(c, SEG_DS, S_DATA0 | 3));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_DATA0);
    TRY(&f, cpu_load_seg(c, SEG_DS, S_CONF0 | 3));
    CHECK_EQ(f.exc, -1);
    /* RPL 0 at CPL 3 is allowed for DPL 3 data (max(CPL, RPL) <= DPL) */
    TRY(&f, cpu_load_seg(c, SEG_DS, S_DATA3 & ~3));
    CHECK_EQ(f.exc, -1);
    fx_free(&f);
}

static void test_ss_loads(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    TRY(&f, cpu_load_seg(c, SEG_SS, 0));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0);
    /* RPL != CPL */
    TRY(&f, cpu_load_seg(c, SEG_SS, S_DATA3));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_DATA3 & ~3);
    /* DPL != CPL with RPL = CPL */
    TRY(&f, cpu_load_seg(c, SEG_SS, S_DATA3 & ~3));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_DATA3 & ~3);
    /* read-only data */
    TRY(&f, cpu_load_seg(c, SEG_SS, S_DATA_RO));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_DATA_RO);
    /* code */
    TRY(&f, cpu_load_seg(c, SEG_SS, S_CODE0));
    CHECK_EQ(f.exc, EXC_GP);
    /* not present writable data: #SS, not #NP */
    TRY(&f, cpu_load_seg(c, SEG_SS, S_DATA_NP));
    CHECK_EQ(f.exc, EXC_SS);
    CHECK_EQ(f.err, S_DATA_NP);
    /* a 16-bit stack segment */
    TRY(&f, cpu_load_seg(c, SEG_SS, S_DATA16));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(SEG_ATTR_DB(c->seg[SEG_SS].attr), 0);
    CHECK_EQ(c->seg[SEG_SS].limit, 0xFFFu);
    fx_free(&f);
}

static void test_real_and_v86_loads(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    cpu_reset(c);
    TRY(&f, cpu_load_seg(c, SEG_DS, 0x1234));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->seg[SEG_DS].base, 0x12340u);
    CHECK_EQ(c->seg[SEG_DS].sel, 0x1234);
    /* real mode keeps the hidden limit (it is not reset to 64 KiB by a load) */
    c->seg[SEG_ES].limit = 0xFFFFFFFFu;
    TRY(&f, cpu_load_seg(c, SEG_ES, 0x2000));
    CHECK_EQ(c->seg[SEG_ES].limit, 0xFFFFFFFFu);
    CHECK_EQ(c->seg[SEG_ES].base, 0x20000u);
    fx_free(&f);
}

static void test_lar_lsl_verr_verw(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    uint32_t v = 0;
    bool ok = false;
    TRY(&f, ok = cpu_lar(c, S_CODE0, &v));
    CHECK(ok);
    CHECK_EQ(v, 0x00C09A00u);
    TRY(&f, ok = cpu_lsl(c, S_CODE0, &v));
    CHECK(ok);
    CHECK_EQ(v, 0xFFFFFFFFu);
    TRY(&f, ok = cpu_lsl(c, S_TSSB, &v));
    CHECK(ok);
    CHECK_EQ(v, 0x67u);
    /* a call gate: LAR yes, LSL no */
    TRY(&f, ok = cpu_lar(c, S_CALLG, &v));
    CHECK(ok);
    TRY(&f, ok = cpu_lsl(c, S_CALLG, &v));
    CHECK(!ok);
    /* null and out-of-table selectors fail without a fault */
    TRY(&f, ok = cpu_lar(c, 0, &v));
    CHECK(!ok);
    TRY(&f, ok = cpu_lar(c, 0x7F8, &v));
    CHECK(!ok);
    CHECK_EQ(f.exc, -1);
    /* RPL above DPL */
    TRY(&f, ok = cpu_lar(c, S_DATA0 | 3, &v));
    CHECK(!ok);
    TRY(&f, ok = cpu_verw(c, S_DATA0));
    CHECK(ok);
    TRY(&f, ok = cpu_verw(c, S_DATA_RO));
    CHECK(!ok);
    TRY(&f, ok = cpu_verr(c, S_DATA_RO));
    CHECK(ok);
    TRY(&f, ok = cpu_verw(c, S_CODE0));
    CHECK(!ok);
    fx_ring3(&f, STK3_TOP);
    TRY(&f, ok = cpu_verr(c, S_DATA0));
    CHECK(!ok);
    /* conforming code is readable from any level */
    TRY(&f, ok = cpu_verr(c, S_CONF0));
    CHECK(ok);
    TRY(&f, ok = cpu_verr(c, S_DATA3));
    CHECK(ok);
    fx_free(&f);
}

static void test_ltr_lldt(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    /* the fixture's LTR marked TSS A busy */
    CHECK_EQ(desc_access(&f, S_TSSA), 0x8B);
    CHECK_EQ(c->tr.sel, S_TSSA);
    CHECK_EQ(c->tr.base, TSS_A);
    /* LTR of a busy TSS: #GP(sel) */
    TRY(&f, cpu_ltr(c, S_TSSA));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_TSSA);
    TRY(&f, cpu_ltr(c, 0));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0);
    TRY(&f, cpu_ltr(c, S_DATA0));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_DATA0);
    TRY(&f, cpu_lldt(c, S_TSSB));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_TSSB);
    TRY(&f, cpu_lldt(c, 0));
    CHECK_EQ(f.exc, -1);
    CHECK(!c->ldtr.valid);
    /* with no LDT every TI=1 selector is outside the table */
    TRY(&f, cpu_load_seg(c, SEG_DS, 0x0007));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0x0004);
    /* not at CPL 3 */
    fx_ring3(&f, STK3_TOP);
    TRY(&f, cpu_lldt(c, S_LDT));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0);
    fx_free(&f);
}

static void test_control_registers(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    int crw = f.count[PW_EV_CR_WRITE];
    TRY(&f, cpu_write_cr(c, 0, CR0_PG));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0);
    TRY(&f, cpu_write_cr(c, 4, 0));
    CHECK_EQ(f.exc, EXC_UD);
    TRY(&f, (void)cpu_read_cr(c, 4));
    CHECK_EQ(f.exc, EXC_UD);
    /* 486-only bits are not kept on a 386 */
    TRY(&f, cpu_write_cr(c, 0, CR0_PE | CR0_WP | CR0_NE));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->cr0, CR0_PE);
    CHECK(!f.m.wp);
    CHECK_EQ(f.count[PW_EV_CR_WRITE], crw + 1);
    CHECK_EQ(f.last[PW_EV_CR_WRITE].cr.new_val, CR0_PE);
    /* every CR3 write flushes the TLB, even with the same value */
    int fl = f.count[PW_EV_TLB_FLUSH];
    TRY(&f, cpu_write_cr(c, 3, 0x20000));
    TRY(&f, cpu_write_cr(c, 3, 0x20000));
    CHECK_EQ(f.count[PW_EV_TLB_FLUSH], fl + 2);
    CHECK_EQ(f.last[PW_EV_TLB_FLUSH].flush.cause, PW_FLUSH_CR3);
    CHECK_EQ(c->cr3, 0x20000u);
    CHECK_EQ(f.m.cr3, 0x20000u);
    TRY(&f, cpu_write_dr(c, 7, 0x155));
    CHECK_EQ(cpu_read_dr(c, 7), 0x155u);
    CHECK_EQ(cpu_read_dr(c, 5), 0x155u);
    fx_free(&f);

    fx_init(&f, CPU_486);
    c = &f.c;
    TRY(&f, cpu_write_cr(c, 0, CR0_PE | CR0_WP));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->cr0, CR0_PE | CR0_WP | CR0_ET);
    CHECK(f.m.wp);
    /* NW without CD */
    TRY(&f, cpu_write_cr(c, 0, CR0_PE | CR0_NW));
    CHECK_EQ(f.exc, EXC_GP);
    fx_free(&f);
}

static void test_io_permission(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    uint32_t bm = TSS_A + 0x68;
    wr8(&f, bm + (0x60 >> 3), 1u << (0x60 & 7)); /* deny port 0x60 */
    /* CPL 0 <= IOPL 0: the bitmap is not consulted */
    TRY(&f, cpu_check_io(c, 0x60, 1));
    CHECK_EQ(f.exc, -1);
    fx_ring3(&f, STK3_TOP);
    TRY(&f, cpu_check_io(c, 0x80, 1));
    CHECK_EQ(f.exc, -1);
    TRY(&f, cpu_check_io(c, 0x60, 1));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0);
    /* a word access that touches the denied port through its second byte */
    TRY(&f, cpu_check_io(c, 0x5F, 2));
    CHECK_EQ(f.exc, EXC_GP);
    TRY(&f, cpu_check_io(c, 0x5C, 4));
    CHECK_EQ(f.exc, -1);
    /* a port whose bitmap byte is beyond the TSS limit */
    TRY(&f, cpu_check_io(c, 0x2000, 1));
    CHECK_EQ(f.exc, EXC_GP);
    TRY(&f, cpu_check_io(c, 0x1FF8, 1));
    CHECK_EQ(f.exc, -1);
    /* IOPL 3: allowed without the bitmap */
    c->eflags |= FL_IOPL;
    TRY(&f, cpu_check_io(c, 0x60, 1));
    CHECK_EQ(f.exc, -1);
    /* ... except in V86 mode, where the bitmap always decides */
    c->eflags |= FL_VM;
    cpu_mode_changed(c);
    TRY(&f, cpu_check_io(c, 0x60, 1));
    CHECK_EQ(f.exc, EXC_GP);
    TRY(&f, cpu_check_io(c, 0x61, 1));
    CHECK_EQ(f.exc, -1);
    fx_free(&f);
}

static void test_iopl_flags(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    /* CPL 0: IOPL and IF change */
    TRY(&f, cpu_write_flags_checked(c, 0x3202 | FL_CF, 0xFFFFFFFFu));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(cpu_get_eflags(c) & (FL_IOPL | FL_IF | FL_CF), FL_IOPL | FL_IF | FL_CF);
    /* VM and RF are not touched by POPF */
    TRY(&f, cpu_write_flags_checked(c, FL_VM | FL_RF | 0x2, 0xFFFFFFFFu));
    CHECK_EQ(cpu_get_eflags(c) & (FL_VM | FL_RF), 0);
    c->eflags = 0x202;
    fx_ring3(&f, STK3_TOP);
    /* CPL 3 > IOPL 0: IF and IOPL silently keep their values */
    TRY(&f, cpu_write_flags_checked(c, 0x3002 | FL_ZF, 0xFFFFFFFFu));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(cpu_get_eflags(c) & (FL_IOPL | FL_IF | FL_ZF), FL_IF | FL_ZF);
    TRY(&f, cpu_check_iopl(c));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0);
    c->eflags |= FL_IOPL;
    TRY(&f, cpu_check_iopl(c));
    CHECK_EQ(f.exc, -1);
    /* CPL 3 = IOPL 3: IF changes, IOPL still not */
    TRY(&f, cpu_write_flags_checked(c, 0x0002, 0xFFFFFFFFu));
    CHECK_EQ(cpu_get_eflags(c) & (FL_IOPL | FL_IF), FL_IOPL);
    fx_free(&f);
}

int main(void)
{
    test_data_loads();
    test_ss_loads();
    test_real_and_v86_loads();
    test_lar_lsl_verr_verw();
    test_ltr_lldt();
    test_control_registers();
    test_io_permission();
    test_iopl_flags();
    return test_summary("test_cpu_seg");
}
