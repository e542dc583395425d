/* Hardware task switches: JMP between two TSSs and back (busy bits, saved registers),
 * CALL with the back link and NT, IRET through the back link, CR3 reload with its TLB
 * flush only when CR3 differs, task gates from the IDT with an error code, and the #TS/#GP
 * checks. */
#include "fixture.h"

static void test_jmp_and_back(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    for (int i = 0; i < 8; i++)
        c->gpr[i] = 0x1000u * (uint32_t)(i + 1);
    c->gpr[R_ESP] = STK0_TOP - 0x20;
    cpu_set_eflags(c, 0x246);
    c->eip = 0x10080; /* the instruction after the JMP */
    wr32(&f, TSS_B + 0x28, 0xAAAA0001u); /* B's EAX */
    int flushes = f.count[PW_EV_TLB_FLUSH];
    TRY(&f, cpu_jmp_far(c, S_TSSB, 0xDEADBEEF));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->tr.sel, S_TSSB);
    CHECK_EQ(c->tr.base, TSS_B);
    CHECK_EQ(c->eip, 0x12000u);
    CHECK_EQ(c->gpr[R_EAX], 0xAAAA0001u);
    CHECK_EQ(c->gpr[R_ESP], 0x7800u);
    CHECK(c->cr0 & CR0_TS);
    /* busy bits: A free, B busy; no back link for JMP */
    CHECK_EQ(desc_access(&f, S_TSSA), 0x89);
    CHECK_EQ(desc_access(&f, S_TSSB), 0x8B);
    CHECK_EQ(cpu_get_eflags(c) & FL_NT, 0);
    /* A's state was saved */
    CHECK_EQ(rd32(&f, TSS_A + 0x20), 0x10080u);
    CHECK_EQ(rd32(&f, TSS_A + 0x24) & 0xFFF, 0x246u);
    CHECK_EQ(rd32(&f, TSS_A + 0x28), 0x1000u);
    CHECK_EQ(rd32(&f, TSS_A + 0x34), 0x4000u);
    CHECK_EQ(rd32(&f, TSS_A + 0x38), STK0_TOP - 0x20);
    CHECK_EQ(rd32(&f, TSS_A + 0x44), 0x8000u);
    CHECK_EQ(rd16(&f, TSS_A + 0x4C), S_CODE0);
    CHECK_EQ(rd16(&f, TSS_A + 0x50), S_DATA0);
    /* event; same CR3 (0): no TLB flush */
    CHECK_EQ(f.count[PW_EV_TASK_SWITCH], 1);
    CHECK_EQ(f.last[PW_EV_TASK_SWITCH].task.from_sel, S_TSSA);
    CHECK_EQ(f.last[PW_EV_TASK_SWITCH].task.to_sel, S_TSSB);
    CHECK_EQ(f.last[PW_EV_TASK_SWITCH].task.cause, PW_TS_JMP);
    CHECK_EQ(f.count[PW_EV_TLB_FLUSH], flushes);

    /* a JMP to the busy TSS B is refused: #GP(sel) */
    TRY(&f, cpu_jmp_far(c, S_TSSB, 0));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_TSSB);

    /* and back to A: everything restored */
    c->eip = 0x12010;
    TRY(&f, cpu_jmp_far(c, S_TSSA, 0));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->tr.sel, S_TSSA);
    CHECK_EQ(c->eip, 0x10080u);
    CHECK_EQ(c->gpr[R_EAX], 0x1000u);
    CHECK_EQ(c->gpr[R_EDI], 0x8000u);
    CHECK_EQ(c->gpr[R_ESP], STK0_TOP - 0x20);
    CHECK_EQ(cpu_get_eflags(c) & 0xFFF, 0x246u);
    CHECK_EQ(desc_access(&f, S_TSSA), 0x8B);
    CHECK_EQ(desc_access(&f, S_TSSB), 0x89);
    CHECK_EQ(rd32(&f, TSS_B + 0x20), 0x12010u);

    /* the T bit of TSS B: #DB (a trap: EIP stays at B's first instruction), DR6.BT set */
    wr16(&f, TSS_B + 0x64, 1);
    c->eip = 0x10090;
    TRY(&f, cpu_jmp_far(c, S_TSSB, 0));
    CHECK_EQ(f.exc, EXC_DB);
    CHECK_EQ(c->tr.sel, S_TSSB);
    CHECK_EQ(c->eip, 0x12010u);
    CHECK(c->dr[6] & 0x8000u);
    fx_free(&f);
}

static void test_call_iret_cr3(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    c->eip = 0x10090;
    TRY(&f, cpu_call_far(c, S_TSSC, 0, true));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->tr.sel, S_TSSC);
    CHECK_EQ(c->eip, 0x12100u);
    /* nesting: back link, NT, both busy */
    CHECK_EQ(rd16(&f, TSS_C), S_TSSA);
    CHECK(cpu_get_eflags(c) & FL_NT);
    CHECK_EQ(desc_access(&f, S_TSSA), 0x8B);
    CHECK_EQ(desc_access(&f, S_TSSC), 0x8B);
    /* a different CR3: loaded, MMU told, TLB flushed with the task-switch cause */
    CHECK_EQ(c->cr3, 0x20000u);
    CHECK_EQ(f.m.cr3, 0x20000u);
    CHECK_EQ(f.flushes_task, 1);
    CHECK_EQ(f.last[PW_EV_TASK_SWITCH].task.new_cr3, 0x20000u);
    CHECK_EQ(f.last[PW_EV_TASK_SWITCH].task.old_cr3, 0u);
    CHECK_EQ(f.last[PW_EV_TASK_SWITCH].task.cause, PW_TS_CALL);

    /* IRET with NT: back to A through the link; C is freed, saved without NT */
    c->eip = 0x12110;
    TRY(&f, cpu_iret(c, true));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->tr.sel, S_TSSA);
    CHECK_EQ(c->eip, 0x10090u);
    CHECK_EQ(c->cr3, 0u);
    CHECK_EQ(f.flushes_task, 2);
    CHECK_EQ(desc_access(&f, S_TSSC), 0x89);
    CHECK_EQ(desc_access(&f, S_TSSA), 0x8B);
    CHECK_EQ(rd32(&f, TSS_C + 0x24) & FL_NT, 0);
    CHECK_EQ(rd32(&f, TSS_C + 0x20), 0x12110u);
    CHECK_EQ(f.last[PW_EV_TASK_SWITCH].task.cause, PW_TS_IRET);
    CHECK_EQ(f.count[PW_EV_IRET], 1);
    fx_free(&f);
}

static void test_task_gates(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    /* #GP through an IDT task gate: the error code lands on the new task's stack */
    set_gate(&f, IDT_BASE, EXC_GP, S_TSSB, 0, 0x85, 0);
    c->eip = 0x100A0;
    TRY(&f, cpu_deliver_exception(c, EXC_GP, 0x38));
    CHECK_EQ(f.exc, -1);
    c->fault_depth = 0;
    CHECK_EQ(c->tr.sel, S_TSSB);
    CHECK_EQ(c->eip, 0x12000u);
    CHECK_EQ(c->gpr[R_ESP], 0x7800u - 4);
    CHECK_EQ(rd32(&f, 0x7800 - 4), 0x38u);
    CHECK_EQ(rd16(&f, TSS_B), S_TSSA);
    CHECK(cpu_get_eflags(c) & FL_NT);
    CHECK_EQ(f.last[PW_EV_TASK_SWITCH].task.cause, PW_TS_INT);
    CHECK_EQ(rd32(&f, TSS_A + 0x20), 0x100A0u);

    /* JMP through a GDT task gate to a busy TSS: #GP(TSS selector) */
    TRY(&f, cpu_jmp_far(c, S_TASKG, 0));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_TSSB);
    /* the task gate's DPL 0 is too low for RPL 3 */
    TRY(&f, cpu_jmp_far(c, S_TASKG | 3, 0));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_TASKG);
    fx_free(&f);
}

static void test_task_faults(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    /* a TSS limit too small for a 32-bit TSS: #TS(new TSS) before anything changes */
    set_desc(&f, GDT_BASE, 6, TSS_B, 0x50, 0x89, 0);
    TRY(&f, cpu_jmp_far(c, S_TSSB, 0));
    CHECK_EQ(f.exc, EXC_TS);
    CHECK_EQ(f.err, S_TSSB);
    CHECK_EQ(c->tr.sel, S_TSSA);
    set_desc(&f, GDT_BASE, 6, TSS_B, 0x67, 0x89, 0);

    /* a data selector in the new task's CS: #TS(CS) raised in the new task */
    wr16(&f, TSS_B + 0x4C, S_DATA0);
    c->eip = 0x100B0;
    TRY(&f, cpu_jmp_far(c, S_TSSB, 0));
    CHECK_EQ(f.exc, EXC_TS);
    CHECK_EQ(f.err, S_DATA0);
    CHECK_EQ(c->tr.sel, S_TSSB);
    CHECK_EQ(c->eip, 0x12000u); /* the fault belongs to the new task */
    CHECK_EQ(rd32(&f, TSS_A + 0x20), 0x100B0u);
    fx_free(&f);

    /* a not-present DS in the new task: #NP(DS) */
    fx_init(&f, CPU_386);
    c = &f.c;
    wr16(&f, TSS_B + 0x54, S_DATA_NP);
    TRY(&f, cpu_jmp_far(c, S_TSSB, 0));
    CHECK_EQ(f.exc, EXC_NP);
    CHECK_EQ(f.err, S_DATA_NP);
    fx_free(&f);

    /* a ring-3 task: CPL comes from CS.RPL, SS must match it */
    fx_init(&f, CPU_386);
    c = &f.c;
    fill_tss32(&f, TSS_B, 0, 0x13000, S_CODE3, S_DATA3, S_DATA3, STK3_TOP);
    TRY(&f, cpu_jmp_far(c, S_TSSB, 0));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->cpl, 3);
    CHECK_EQ(c->seg[SEG_SS].sel, S_DATA3);
    fill_tss32(&f, TSS_C, 0, 0x13000, S_CODE3, S_DATA0, S_DATA3, STK3_TOP);
    /* a DPL-0 TSS cannot be reached from ring 3 */
    TRY(&f, cpu_jmp_far(c, S_TSSC, 0));
    CHECK_EQ(f.exc, EXC_GP);
    CHECK_EQ(f.err, S_TSSC);
    fx_free(&f);
}

/* A V86 task entered by a task switch: EFLAGS.VM in the new TSS. */
static void test_v86_task(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    fill_tss32(&f, TSS_B, 0, 0x0100, 0x2000, 0x3000, 0x4000, 0x0FF0);
    wr32(&f, TSS_B + 0x24, FL_VM | 0x202);
    TRY(&f, cpu_jmp_far(c, S_TSSB, 0));
    CHECK_EQ(f.exc, -1);
    CHECK(cpu_v86(c));
    CHECK_EQ(c->cpl, 3);
    CHECK_EQ(c->seg[SEG_CS].base, 0x20000u);
    CHECK_EQ(c->seg[SEG_DS].base, 0x40000u);
    CHECK_EQ(c->eip, 0x0100u);
    fx_free(&f);
}

/* A 286 TSS: word-sized state, no CR3, FS/GS null, upper register halves kept. */
static void test_tss16(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    uint32_t b = TSS16_BASE;
    for (uint32_t i = 0; i < 0x2C; i += 2)
        wr16(&f, b + i, 0);
    wr16(&f, b + 0x0E, 0x2000);      /* IP */
    wr16(&f, b + 0x10, 0x0002);      /* FLAGS */
    wr16(&f, b + 0x12, 0x1234);      /* AX */
    wr16(&f, b + 0x1A, 0x0800);      /* SP */
    wr16(&f, b + 0x22, S_DATA0);     /* ES */
    wr16(&f, b + 0x24, S_CODE0);     /* CS */
    wr16(&f, b + 0x26, S_DATA0);     /* SS */
    wr16(&f, b + 0x28, S_DATA3);     /* DS */
    c->gpr[R_EAX] = 0xABCD0000u;
    cpu_write_cr(c, 3, 0x20000); /* not touched by a 286 TSS */
    int flushes = f.count[PW_EV_TLB_FLUSH];
    c->eip = 0x100C0;
    TRY(&f, cpu_call_far(c, S_TSS16, 0, true));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->tr.sel, S_TSS16);
    CHECK_EQ(c->eip, 0x2000u);
    CHECK_EQ(c->gpr[R_EAX], 0xABCD1234u);
    CHECK_EQ(c->gpr[R_ESP] & 0xFFFF, 0x0800u);
    CHECK_EQ(c->cr3, 0x20000u);
    CHECK_EQ(f.count[PW_EV_TLB_FLUSH], flushes);
    CHECK(!c->seg[SEG_FS].valid);
    CHECK_EQ(c->seg[SEG_DS].sel, S_DATA3);
    CHECK_EQ(rd16(&f, b), S_TSSA);           /* back link */
    CHECK_EQ(desc_access(&f, S_TSS16), 0x83); /* busy 286 TSS */
    CHECK(cpu_get_eflags(c) & FL_NT);
    /* IRET returns to the 32-bit task A */
    TRY(&f, cpu_iret(c, false));
    CHECK_EQ(f.exc, -1);
    CHECK_EQ(c->tr.sel, S_TSSA);
    CHECK_EQ(c->eip, 0x100C0u);
    CHECK_EQ(desc_access(&f, S_TSS16), 0x81);
    CHECK_EQ(rd16(&f, b + 0x0E), 0x2000);
    fx_free(&f);
}

int main(void)
{
    test_jmp_and_back();
    test_call_iret_cr3();
    test_task_gates();
    test_task_faults();
    test_v86_task();
    test_tss16();
    return test_summary("test_cpu_task");
}
