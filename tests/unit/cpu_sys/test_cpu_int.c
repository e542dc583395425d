/* Interrupts and exceptions (real mode IVT, interrupt/trap gates, ring 3 -> ring 0 with the
 * TSS stack, IRET back), call gates with parameters, V86 entry/exit, double and triple
 * faults. */
#include "fixture.h"

#include <string.h>

/* The step loop's part: deliver, and when delivery itself faults deliver that one (the
 * double-fault table decides). Returns false on shutdown. */
static bool deliver(struct fx *f, int vec0, uint32_t err0)
{
    volatile int vec = vec0;
    volatile uint32_t err = err0;
    for (volatile int i = 0; i < 8; i++) {
        volatile bool ok = true;
        TRY(f, ok = cpu_deliver_exception(&f->c, vec, err));
        if (f->exc < 0) {
            f->c.fault_depth = 0;
            return ok;
        }
        vec = f->exc;
        err = f->err;
    }
    return false;
}

static void idt_gate(struct fx *f, unsigned vec, uint16_t sel, uint32_t off, uint8_t access)
{
    set_gate(f, IDT_BASE, vec, sel, off, access, 0);
}

static void test_real_mode_int(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    cpu_reset(c);
    c->idtr.base = 0;
    c->idtr.limit = 0x3FF;
    wr16(&f, 0x21 * 4, 0x5678);
    wr16(&f, 0x21 * 4 + 2, 0x1234);
    cpu_set_seg_raw(c, SEG_SS, 0);
    c->gpr[R_ESP] = 0x7000;
    cpu_set_seg_raw(c, SEG_CS, 0x0700);
    c->eip = 0x0102;
    cpu_set_eflags(c, 0x0202 | FL_TF);
    int before = f.count[PW_EV_INTERRUPT];
    TRY(&f, cpu_interrupt(c, 0x21, INT_SOFT, false, 0));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->seg[SEG_CS].sel, 0x1234);
    CHECK_EQ(c->seg[SEG_CS].base, 0x12340u);
    CHECK_EQ(c->eip, 0x5678u);
    CHECK_EQ(c->gpr[R_ESP], 0x7000u - 6);
    CHECK_EQ(rd16(&f, 0x6FFA), 0x0102);
    CHECK_EQ(rd16(&f, 0x6FFC), 0x0700);
    CHECK_EQ(rd16(&f, 0x6FFE), 0x0302);
    CHECK_EQ(cpu_get_eflags(c) & (FL_IF | FL_TF), 0);
    CHECK_EQ(f.count[PW_EV_INTERRUPT], before + 1);
    CHECK_EQ(f.last[PW_EV_INTERRUPT].exc.vector, 0x21);
    TRY(&f, cpu_iret(c, false));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->seg[SEG_CS].sel, 0x0700);
    CHECK_EQ(c->eip, 0x0102u);
    CHECK_EQ(c->gpr[R_ESP], 0x7000u);
    CHECK_EQ(cpu_get_eflags(c) & (FL_IF | FL_TF), FL_IF | FL_TF);
    /* far CALL / RET in real mode */
    c->eip = 0x0110;
    TRY(&f, cpu_call_far(c, 0x2000, 0x0040, false));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->seg[SEG_CS].base, 0x20000u);
    CHECK_EQ(c->eip, 0x0040u);
    CHECK_EQ(c->gpr[R_ESP], 0x7000u - 4);
    CHECK_EQ(rd16(&f, 0x6FFC), 0x0110);
    CHECK_EQ(rd16(&f, 0x6FFE), 0x0700);
    TRY(&f, cpu_ret_far(c, false, 2));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->seg[SEG_CS].sel, 0x0700);
    CHECK_EQ(c->eip, 0x0110u);
    CHECK_EQ(c->gpr[R_ESP], 0x7002u);
    /* a vector beyond the IVT limit is a double fault */
    c->idtr.limit = 0x3F;
    TRY(&f, cpu_interrupt(c, 0x21, INT_SOFT, false, 0));
    CHECK_EQ(f.exc, EXC_DF);
    fx_free(&f);
}

static void test_same_level_gates(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    idt_gate(&f, 0x40, S_CODE0, 0x11000, 0x8E); /* interrupt gate */
    idt_gate(&f, 0x41, S_CODE0, 0x11200, 0x8F); /* trap gate */
    cpu_set_eflags(c, 0x202);
    c->eip = 0x10010;
    TRY(&f, cpu_interrupt(c, 0x40, INT_SOFT, false, 0));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->eip, 0x11000u);
    CHECK_EQ(c->gpr[R_ESP], STK0_TOP - 12);
    CHECK_EQ(rd32(&f, STK0_TOP - 12), 0x10010u);
    CHECK_EQ(rd32(&f, STK0_TOP - 8), S_CODE0);
    CHECK_EQ(rd32(&f, STK0_TOP - 4), 0x202u);
    CHECK_EQ(cpu_get_eflags(c) & FL_IF, 0);
    CHECK_EQ(desc_access(&f, S_CODE0), 0x9B); /* accessed */
    TRY(&f, cpu_iret(c, true));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->eip, 0x10010u);
    CHECK_EQ(c->gpr[R_ESP], STK0_TOP);
    CHECK(cpu_get_eflags(c) & FL_IF);
    CHECK_EQ(f.count[PW_EV_IRET], 1);
    CHECK_EQ(f.last[PW_EV_IRET].iret.to_eip, 0x10010u);

    /* trap gate keeps IF; an exception pushes its error code with the gate size */
    idt_gate(&f, EXC_GP, S_CODE0, 0x11200, 0x8F);
    CHECK(deliver(&f, EXC_GP, 0x1234));
    CHECK_EQ(c->eip, 0x11200u);
    CHECK_EQ(c->gpr[R_ESP], STK0_TOP - 16);
    CHECK_EQ(rd32(&f, STK0_TOP - 16), 0x1234u);
    CHECK(cpu_get_eflags(c) & FL_IF);
    CHECK_EQ(f.count[PW_EV_EXCEPTION], 1);
    CHECK_EQ(f.last[PW_EV_EXCEPTION].exc.err, 0x1234u);

    /* a 286 interrupt gate pushes 16-bit words */
    c->gpr[R_ESP] = STK0_TOP;
    idt_gate(&f, 0x42, S_CODE0, 0x11300, 0x86);
    c->eip = 0x10020;
    TRY(&f, cpu_interrupt(c, 0x42, INT_EXTERNAL, false, 0));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->gpr[R_ESP], STK0_TOP - 6);
    CHECK_EQ(rd16(&f, STK0_TOP - 6), 0x0020);
    CHECK_EQ(rd16(&f, STK0_TOP - 4), S_CODE0);
    fx_free(&f);
}

static void test_ring3_to_ring0(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    idt_gate(&f, 0x80, S_CODE0, 0x11000, 0xEE); /* DPL 3 interrupt gate */
    idt_gate(&f, 0x81, S_CODE0, 0x11000, 0x8E); /* DPL 0: not for INT n from ring 3 */
    fx_ring3(&f, STK3_TOP - 0x10);
    cpu_set_eflags(c, 0x202);
    c->eip = 0x10040;
    TRY(&f, cpu_interrupt(c, 0x80, INT_SOFT, false, 0));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->cpl, 0);
    CHECK_EQ(c->seg[SEG_CS].sel, S_CODE0);
    CHECK_EQ(c->seg[SEG_SS].sel, S_DATA0);
    CHECK_EQ(c->gpr[R_ESP], STK0_TOP - 20);
    CHECK_EQ(rd32(&f, STK0_TOP - 20), 0x10040u);
    CHECK_EQ(rd32(&f, STK0_TOP - 16), S_CODE3);
    CHECK_EQ(rd32(&f, STK0_TOP - 12), 0x202u);
    CHECK_EQ(rd32(&f, STK0_TOP - 8), STK3_TOP - 0x10);
    CHECK_EQ(rd32(&f, STK0_TOP - 4), S_DATA3);

    /* the handler leaves a DPL-0 segment in DS: IRET to ring 3 nulls it, ES (DPL 3) stays */
    TRY(&f, cpu_load_seg(c, SEG_DS, S_DATA0));
    TRY(&f, cpu_iret(c, true));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->cpl, 3);
    CHECK_EQ(c->seg[SEG_CS].sel, S_CODE3);
    CHECK_EQ(c->seg[SEG_SS].sel, S_DATA3);
    CHECK_EQ(c->gpr[R_ESP], STK3_TOP - 0x10);
    CHECK_EQ(c->eip, 0x10040u);
    CHECK(!c->seg[SEG_DS].valid);
    CHECK_EQ(c->seg[SEG_DS].sel, 0);
    CHECK(c->seg[SEG_ES].valid);
    CHECK(cpu_get_eflags(c) & FL_IF);

    /* IRET checks: to a more privileged level, or with an outer SS of the wrong RPL */
    c->gpr[R_ESP] = STK3_TOP - 0x100;
    uint32_t fr = c->seg[SEG_SS].base + c->gpr[R_ESP];
    wr32(&f, fr, 0x10040);
    wr32(&f, fr + 4, S_CODE0);
    wr32(&f, fr + 8, 0x202);
    TRY(&f, cpu_iret(c, true));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_CODE0);
    cpu_set_seg_raw(c, SEG_CS, S_CODE0);
    cpu_mode_changed(c);
    wr32(&f, fr + 4, S_CODE3);
    wr32(&f, fr + 12, 0x7000);
    wr32(&f, fr + 16, S_DATA0); /* RPL 0 for a ring-3 return */
    TRY(&f, cpu_iret(c, true));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_DATA0);
    CHECK_EQ(c->cpl, 0);
    wr32(&f, fr + 16, S_DATA_NP | 3);
    set_desc(&f, GDT_BASE, 8, 0, 0xFFFFF, 0x72, 0xC); /* DPL 3, not present */
    TRY(&f, cpu_iret(c, true));
    CHECK_EQ(f.exc, EXC_SS);
    CHECK_EQ(f.err, S_DATA_NP);
    fx_ring3(&f, STK3_TOP - 0x10);

    /* INT n through a DPL-0 gate from ring 3: #GP(vector*8 + 2) */
    TRY(&f, cpu_interrupt(c, 0x81, INT_SOFT, false, 0));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0x81u * 8 + 2);
    /* the same gate is fine for a hardware interrupt */
    TRY(&f, cpu_interrupt(c, 0x81, INT_EXTERNAL, false, 0));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->cpl, 0);

    /* not-present gate: #NP(vector*8 + 2), with EXT when delivering an exception */
    fx_ring3(&f, STK3_TOP);
    idt_gate(&f, 0x82, S_CODE0, 0x11000, 0x6E);
    TRY(&f, cpu_interrupt(c, 0x82, INT_SOFT, false, 0));
    CHECK_EQ(f.exc, EXC_NP);
    CHECK_EQ(f.err, 0x82u * 8 + 2);
    TRY(&f, cpu_interrupt(c, 0x82, INT_EXCEPTION, false, 0));
    CHECK_EQ(f.exc, EXC_NP);
    CHECK_EQ(f.err, 0x82u * 8 + 3);
    /* beyond the IDT limit */
    c->idtr.limit = 0x7F;
    TRY(&f, cpu_interrupt(c, 0x10, INT_SOFT, false, 0));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0x10u * 8 + 2);
    c->idtr.limit = 0x7FF;
    /* a ring-0 stack selector in the TSS that is not writable: #TS(SS) */
    wr32(&f, TSS_A + 8, S_DATA_RO);
    TRY(&f, cpu_interrupt(c, 0x80, INT_SOFT, false, 0));
    CHECK_EQ(f.exc, EXC_TS);
    CHECK_EQ(f.err, S_DATA_RO);
    CHECK_EQ(c->cpl, 3); /* nothing changed */
    CHECK_EQ(c->gpr[R_ESP], STK3_TOP);
    fx_free(&f);
}

static void test_call_gates(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    fx_ring3(&f, STK3_TOP - 8);
    wr32(&f, STK3_TOP - 8, 0x11111111u); /* parameter 1 (top of stack) */
    wr32(&f, STK3_TOP - 4, 0x22222222u); /* parameter 2 */
    c->eip = 0x10050;
    TRY(&f, cpu_call_far(c, S_CALLG, 0xDEAD, true));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->cpl, 0);
    CHECK_EQ(c->eip, 0x11000u);
    CHECK_EQ(c->seg[SEG_CS].sel, S_CODE0);
    CHECK_EQ(c->seg[SEG_SS].sel, S_DATA0);
    uint32_t sp = STK0_TOP - 24;
    CHECK_EQ(c->gpr[R_ESP], sp);
    CHECK_EQ(rd32(&f, sp), 0x10050u);
    CHECK_EQ(rd32(&f, sp + 4), S_CODE3);
    CHECK_EQ(rd32(&f, sp + 8), 0x11111111u);
    CHECK_EQ(rd32(&f, sp + 12), 0x22222222u);
    CHECK_EQ(rd32(&f, sp + 16), STK3_TOP - 8);
    CHECK_EQ(rd32(&f, sp + 20), S_DATA3);
    /* RET 8 to ring 3 drops the parameters on both stacks */
    TRY(&f, cpu_ret_far(c, true, 8));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->cpl, 3);
    CHECK_EQ(c->eip, 0x10050u);
    CHECK_EQ(c->gpr[R_ESP], STK3_TOP);
    CHECK_EQ(c->seg[SEG_SS].sel, S_DATA3);

    /* 16-bit call gate: one word parameter, word-sized frame */
    fx_ring3(&f, STK3_TOP - 2);
    wr16(&f, STK3_TOP - 2, 0xBEEF);
    c->eip = 0x10060;
    TRY(&f, cpu_call_far(c, S_CALLG16, 0, true));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->eip, 0x1100u); /* a 286 gate holds a 16-bit offset */
    CHECK_EQ(c->gpr[R_ESP], STK0_TOP - 10);
    CHECK_EQ(rd16(&f, STK0_TOP - 10), 0x0060);
    CHECK_EQ(rd16(&f, STK0_TOP - 8), S_CODE3);
    CHECK_EQ(rd16(&f, STK0_TOP - 6), 0xBEEF);
    CHECK_EQ(rd16(&f, STK0_TOP - 4), (STK3_TOP - 2) & 0xFFFF);
    CHECK_EQ(rd16(&f, STK0_TOP - 2), S_DATA3);

    /* CALL to a DPL-0 code segment directly from ring 3: #GP(sel) */
    fx_ring3(&f, STK3_TOP);
    TRY(&f, cpu_call_far(c, S_CODE0, 0x11000, true));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_CODE0);
    /* JMP to a not-present code segment at the same level: #NP */
    cpu_set_seg_raw(c, SEG_CS, S_CODE0);
    cpu_mode_changed(c);
    TRY(&f, cpu_jmp_far(c, S_CODE_NP, 0));
    CHECK_EQ(f.exc, EXC_NP);
    CHECK_EQ(f.err, S_CODE_NP);
    /* beyond the limit: #GP(0) */
    TRY(&f, cpu_jmp_far(c, S_CODE16, 0x10000));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0);
    TRY(&f, cpu_jmp_far(c, S_CODE16, 0x1234));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->seg[SEG_CS].sel, S_CODE16);
    CHECK_EQ(c->eip, 0x1234u);
    fx_free(&f);
}

static void test_v86(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    /* IRET from ring 0 with VM in the popped EFLAGS enters V86 */
    uint32_t sp = STK0_TOP - 36;
    uint32_t frame[9] = {0x0100, 0x2000, FL_VM | 0x202, 0x0FF0, 0x3000, 0x4000, 0x5000, 0x6000, 0x7000};
    for (int i = 0; i < 9; i++)
        wr32(&f, sp + 4 * (uint32_t)i, frame[i]);
    c->gpr[R_ESP] = sp;
    TRY(&f, cpu_iret(c, true));
    CHECK_EQ(f.exc, -1);
    CHECK(cpu_v86(c));
    CHECK_EQ(c->cpl, 3);
    CHECK_EQ(c->eip, 0x0100u);
    CHECK_EQ(c->seg[SEG_CS].base, 0x20000u);
    CHECK_EQ(c->seg[SEG_SS].base, 0x30000u);
    CHECK_EQ(c->seg[SEG_ES].base, 0x40000u);
    CHECK_EQ(c->seg[SEG_DS].base, 0x50000u);
    CHECK_EQ(c->seg[SEG_GS].sel, 0x7000);
    CHECK_EQ(c->gpr[R_ESP], 0x0FF0u);

    /* IOPL-sensitive instructions with IOPL 0: INT n, CLI, IRET, POPF fault #GP(0) */
    TRY(&f, cpu_interrupt(c, 0x21, INT_SOFT, false, 0));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, 0);
    TRY(&f, cpu_check_iopl(c));
    CHECK_EQ(f.exc, EXC_GP);
    TRY(&f, cpu_iret(c, false));
    CHECK_EQ(f.exc, EXC_GP);
    TRY(&f, cpu_write_flags_checked(c, 0x2, 0xFFFF));
    CHECK_EQ(f.exc, EXC_GP);
    /* ... and the #GP goes to the ring-0 handler with the V86 frame */
    idt_gate(&f, EXC_GP, S_CODE0, 0x11000, 0x8E);
    c->eip = 0x0105;
    CHECK(deliver(&f, EXC_GP, 0));
    CHECK(!cpu_v86(c));
    CHECK_EQ(c->cpl, 0);
    CHECK_EQ(c->eip, 0x11000u);
    uint32_t k = STK0_TOP - 40;
    CHECK_EQ(c->gpr[R_ESP], k);
    CHECK_EQ(rd32(&f, k), 0u);          /* error code */
    CHECK_EQ(rd32(&f, k + 4), 0x0105u); /* EIP */
    CHECK_EQ(rd32(&f, k + 8), 0x2000u); /* CS */
    CHECK(rd32(&f, k + 12) & FL_VM);
    CHECK_EQ(rd32(&f, k + 16), 0x0FF0u);
    CHECK_EQ(rd32(&f, k + 20), 0x3000u);
    CHECK_EQ(rd32(&f, k + 24), 0x4000u); /* ES */
    CHECK_EQ(rd32(&f, k + 28), 0x5000u); /* DS */
    CHECK_EQ(rd32(&f, k + 32), 0x6000u); /* FS */
    CHECK_EQ(rd32(&f, k + 36), 0x7000u); /* GS */
    CHECK(!c->seg[SEG_DS].valid);
    CHECK_EQ(c->seg[SEG_ES].sel, 0);
    /* the monitor skips the instruction and returns */
    wr32(&f, k + 4, 0x0107);
    c->gpr[R_ESP] = k + 4;
    TRY(&f, cpu_iret(c, true));
    CHECK_EQ(f.exc, -1);
    CHECK(cpu_v86(c));
    CHECK_EQ(c->eip, 0x0107u);
    CHECK_EQ(c->seg[SEG_DS].base, 0x50000u);

    /* with IOPL 3, INT n goes through the IDT to ring 0 (gate DPL 3) */
    c->eflags |= FL_IOPL;
    idt_gate(&f, 0x21, S_CODE0, 0x11400, 0xEE);
    c->eip = 0x0109;
    TRY(&f, cpu_interrupt(c, 0x21, INT_SOFT, false, 0));
    CHECK_EQ(f.exc, -1);
    CHECK(!cpu_v86(c));
    CHECK_EQ(c->eip, 0x11400u);
    CHECK_EQ(c->gpr[R_ESP], STK0_TOP - 36);
    /* a V86 IRET with IOPL 3 works like real mode */
    TRY(&f, cpu_iret(c, true));
    CHECK(cpu_v86(c));
    wr16(&f, 0x30000 + 0x0FF0 - 6, 0x0200);
    wr16(&f, 0x30000 + 0x0FF0 - 4, 0x2100);
    wr16(&f, 0x30000 + 0x0FF0 - 2, 0x0002);
    c->gpr[R_ESP] = 0x0FF0 - 6;
    TRY(&f, cpu_iret(c, false));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->eip, 0x0200u);
    CHECK_EQ(c->seg[SEG_CS].base, 0x21000u);
    CHECK(cpu_v86(c));
    CHECK_EQ(cpu_get_eflags(c) & FL_IOPL, FL_IOPL); /* IOPL cannot change at CPL 3 */
    CHECK_EQ(cpu_get_eflags(c) & FL_IF, 0);
    fx_free(&f);
}

static void test_double_and_triple_fault(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    idt_gate(&f, EXC_GP, S_CODE0, 0x11000, 0x0E); /* #GP gate not present */
    idt_gate(&f, EXC_NP, S_CODE0, 0x11100, 0x8E);
    idt_gate(&f, EXC_DF, S_CODE0, 0x11200, 0x8E);
    idt_gate(&f, EXC_UD, S_CODE0, 0x11300, 0x0E); /* #UD gate not present */
    c->eip = 0x10070;
    /* #NP while delivering #GP: contributory + contributory = #DF with error code 0 */
    CHECK(deliver(&f, EXC_GP, 0));
    CHECK_EQ(c->eip, 0x11200u);
    CHECK_EQ(c->gpr[R_ESP], STK0_TOP - 16);
    CHECK_EQ(rd32(&f, STK0_TOP - 16), 0u);
    CHECK_EQ(f.last[PW_EV_EXCEPTION].exc.vector, EXC_DF);

    /* #NP while delivering #UD (benign): handled serially, #NP with EXT */
    c->gpr[R_ESP] = STK0_TOP;
    c->eip = 0x10070;
    CHECK(deliver(&f, EXC_UD, CPU_NO_ERR));
    CHECK_EQ(c->eip, 0x11100u);
    CHECK_EQ(rd32(&f, STK0_TOP - 16), EXC_UD * 8u + 3);

    /* #PF while delivering #PF: double fault */
    c->gpr[R_ESP] = STK0_TOP;
    idt_gate(&f, EXC_PF, S_CODE0, 0x11000, 0x0E);
    CHECK(deliver(&f, EXC_PF, 2));
    CHECK_EQ(c->eip, 0x11200u);

    /* and with the #DF gate missing too: triple fault, shutdown with a report */
    c->gpr[R_ESP] = STK0_TOP;
    idt_gate(&f, EXC_DF, S_CODE0, 0x11200, 0x0E);
    CHECK(!deliver(&f, EXC_GP, 0));
    CHECK(c->shutdown_reason != NULL);
    CHECK(strstr(c->shutdown_msg, "triple fault") != NULL);
    CHECK(strstr(c->shutdown_msg, "#DF") != NULL);
    CHECK(strstr(c->shutdown_msg, "#GP") != NULL);
    CHECK(strstr(c->shutdown_msg, "#NP") != NULL);
    fx_free(&f);
}

/* With paging: a page fault while writing the ring-0 frame leaves the CPU unchanged;
 * #PF on #PF is a double fault, and #PF while delivering #DF shuts the CPU down. */
static void test_page_fault_in_delivery(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    wr32(&f, 0x20000, 0x21000 | 7);
    for (uint32_t i = 0; i < 1024; i++)
        wr32(&f, 0x21000 + 4 * i, (i << 12) | 7);
    wr32(&f, 0x21000 + 4 * (STK0_TOP / 4096 - 1), 0); /* the ring-0 stack page is absent */
    TRY(&f, cpu_write_cr(c, 3, 0x20000); cpu_write_cr(c, 0, CR0_PE | CR0_PG));
    CHECK_EQ(f.exc, -1);
    idt_gate(&f, 0x80, S_CODE0, 0x11000, 0xEE);
    idt_gate(&f, EXC_PF, S_CODE0, 0x11000, 0x8E);
    idt_gate(&f, EXC_DF, S_CODE0, 0x11000, 0x8E);
    fx_ring3(&f, STK3_TOP);
    c->eip = 0x10100;
    c->insn_eip = 0x100FE;
    TRY(&f, cpu_interrupt(c, 0x80, INT_SOFT, false, 0));
    CHECK_EQ(f.exc, EXC_PF);
    CHECK_EQ(f.err, PF_ERR_W);
    CHECK_EQ(c->cr2, STK0_TOP - 4);
    CHECK_EQ(c->cpl, 3);
    CHECK_EQ(c->gpr[R_ESP], STK3_TOP);
    CHECK_EQ(c->seg[SEG_SS].sel, S_DATA3);
    CHECK_EQ(c->eip, 0x100FEu); /* rewound to the INT instruction */
    /* the #PF handler needs the same stack: #PF, #DF, then shutdown */
    CHECK(!deliver(&f, EXC_PF, PF_ERR_W));
    CHECK(strstr(c->shutdown_msg, "#PF") != NULL);
    fx_free(&f);
}

int main(void)
{
    test_real_mode_int();
    test_same_level_gates();
    test_ring3_to_ring0();
    test_call_gates();
    test_v86();
    test_double_and_triple_fault();
    test_page_fault_in_delivery();
    return test_summary("test_cpu_int");
}
