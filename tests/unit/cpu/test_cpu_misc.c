/* Odds and ends: PUSHF/POPF, the "no 387" ESC behaviour and #NM, 486-only opcodes (#UD on a
 * 386), XADD/CMPXCHG, ENTER/LEAVE with nesting, PUSHA/POPA, LOCK on a non-lockable
 * instruction, and a copy-on-write #PF in the middle of ADC that must leave the flags (CF)
 * as they were so the restarted instruction computes the same thing. */
#include "fixture.h"
#include "snippets.h"

#define CODE 0x1000u
#define HANDLER 0x7000u

static struct tmach *t;

static void start32(int model, const uint8_t *code, size_t n)
{
    if (t)
        tm_free(t);
    t = tm_new(model);
    tm_flat32(t, CODE);
    tm_load(t, CODE, code, n);
    tm_load(t, HANDLER, snip_pf_handler, sizeof snip_pf_handler); /* hlt; add esp,4; iretd */
    for (int v = 0; v < 32; v++)
        tm_set_gate(t, v, HANDLER);
}

static void test_pushf_popf(void)
{
    start32(CPU_386, snip_pushf_popf, sizeof snip_pushf_popf);
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(t->cpu.gpr[R_EAX] & 0xFF, 1u);
    CHECK_EQ(t->cpu.gpr[R_ESP], 0x90000u);
}

static void test_esc(void)
{
    start32(CPU_386, snip_esc_fninit, sizeof snip_esc_fninit);
    t->cpu.gpr[R_EAX] = 0x1234ABCDu;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(t->cpu.eip, CODE + sizeof snip_esc_fninit);
    CHECK_EQ(t->cpu.gpr[R_EAX], 0x1234ABCDu); /* no coprocessor answered */

    start32(CPU_386, snip_esc_fninit, sizeof snip_esc_fninit);
    t->cpu.cr0 |= CR0_EM;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(t->cpu.eip, HANDLER + 1);
    CHECK_EQ(tm_rd32(t, t->cpu.gpr[R_ESP]), CODE); /* #NM is a fault, no error code */
}

static void test_486_ops(void)
{
    start32(CPU_386, snip_ud_486, sizeof snip_ud_486);
    t->cpu.gpr[R_EAX] = 0x11223344u;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(t->cpu.eip, HANDLER + 1);
    CHECK_EQ(tm_rd32(t, t->cpu.gpr[R_ESP]), CODE);
    CHECK_EQ(t->cpu.gpr[R_EAX], 0x11223344u);

    start32(CPU_486, snip_ud_486, sizeof snip_ud_486);
    t->cpu.gpr[R_EAX] = 0x11223344u;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(t->cpu.gpr[R_EAX], 0x44332211u);

    start32(CPU_486, snip_xadd_cmpxchg, sizeof snip_xadd_cmpxchg);
    struct cpu *c = &t->cpu;
    c->gpr[R_EBX] = 5;
    c->gpr[R_ECX] = 7;
    c->gpr[R_EAX] = 9;
    c->gpr[R_EDX] = 9;
    c->gpr[R_ESI] = 42;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_EBX], 12u);
    CHECK_EQ(c->gpr[R_ECX], 5u);
    CHECK_EQ(c->gpr[R_EDX], 42u); /* EAX == EDX: EDX = ESI */
    CHECK_EQ(cpu_get_eflags(c) & FL_ZF, FL_ZF);
}

static void test_enter_leave(void)
{
    start32(CPU_386, snip_enter_leave, sizeof snip_enter_leave);
    struct cpu *c = &t->cpu;
    c->gpr[R_EBP] = 0x80000;
    tm_wr32(t, 0x7FFFC, 0xFEEDu);
    c->gpr[R_EAX] = 0xCAFEu;
    CHECK_EQ(tm_run(t, 1), CPU_STOP_BUDGET);
    CHECK_EQ(c->gpr[R_EBP], 0x8FFFCu);
    CHECK_EQ(c->gpr[R_ESP], 0x8FFECu);
    CHECK_EQ(tm_rd32(t, 0x8FFFC), 0x80000u); /* old EBP */
    CHECK_EQ(tm_rd32(t, 0x8FFF8), 0xFEEDu);   /* level 1 frame pointer copied */
    CHECK_EQ(tm_rd32(t, 0x8FFF4), 0x8FFFCu);  /* this frame */
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(tm_rd32(t, 0x8FFEC), 0xCAFEu);
    CHECK_EQ(c->gpr[R_EBP], 0x80000u);
    CHECK_EQ(c->gpr[R_ESP], 0x90000u);
}

static void test_pusha_popa16(void)
{
    if (t)
        tm_free(t);
    t = tm_new(CPU_386);
    struct cpu *c = &t->cpu;
    tm_real(t, 0, 0x1000);
    tm_load(t, 0x1000, snip_pusha_popa, sizeof snip_pusha_popa);
    uint32_t regs[8] = {0xA0001111u, 0xA0012222u, 0xA0023333u, 0xA0034444u, 0, 0xA0056666u,
                        0xA0067777u, 0xA0078888u};
    for (int r = 0; r < 8; r++)
        if (r != R_ESP)
            c->gpr[r] = regs[r];
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    for (int r = 0; r < 8; r++)
        if (r != R_ESP)
            CHECK_EQ(c->gpr[r], regs[r]);
    CHECK_EQ(c->gpr[R_ESP], 0xFFF0u);
    CHECK_EQ(phys_read(&t->phys, 0xFFF0 - 10, 2), 0xFFF0u); /* the SP slot holds the old SP */
}

static void test_lock_ud(void)
{
    start32(CPU_386, snip_lock_bad, sizeof snip_lock_bad);
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(t->cpu.eip, HANDLER + 1);
    CHECK_EQ(tm_rd32(t, t->cpu.gpr[R_ESP]), CODE);
}

/* 486 with CR0.WP: a supervisor write to a read-only page faults (copy-on-write). */
static void test_cow_adc(void)
{
    start32(CPU_486, snip_shift_mem_cow, sizeof snip_shift_mem_cow);
    struct cpu *c = &t->cpu;
    const uint32_t pd = 0x100000, pt = 0x101000;
    tm_wr32(t, pd, pt | 7);
    for (uint32_t k = 1; k < 1024; k++)
        tm_wr32(t, pd + 4 * k, 0);
    for (uint32_t k = 0; k < 1024; k++)
        tm_wr32(t, pt + 4 * k, (k << 12) | (k == 5 ? 5 : 7)); /* page 5: present, read-only */
    phys_write(&t->phys, 0x5000, 1, 0x40);
    c->cr3 = pd;
    c->cr0 |= CR0_PG | CR0_WP;
    mmu_set_cr3(&t->mmu, pd, PW_FLUSH_API);
    mmu_set_cr0(&t->mmu, true, true);
    c->gpr[R_EAX] = 0; /* leave lazy flags from an ADD with carry out pending */
    cpu_set_eflags(c, FL_CF | 0x2);
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->eip, HANDLER + 1);
    CHECK_EQ(c->cr2, 0x5000u);
    CHECK_EQ(tm_rd32(t, c->gpr[R_ESP]), 3u);            /* present | write */
    CHECK_EQ(tm_rd32(t, c->gpr[R_ESP] + 4), CODE);
    CHECK_EQ(tm_rd32(t, c->gpr[R_ESP] + 12) & FL_CF, FL_CF); /* flags as before the ADC */
    CHECK_EQ(tm_rd8(t, 0x5000), 0x40u);
    tm_wr32(t, pt + 4 * 5, 0x5000 | 7); /* "copy" done: writable now */
    mmu_flush_all(&t->mmu, PW_FLUSH_API);
    c->halted = false;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(tm_rd8(t, 0x5000), 0x42u); /* 0x40 + 1 + CF */
    CHECK_EQ(c->eip, CODE + sizeof snip_shift_mem_cow);
}

/* A #UD handler that is itself an undefined opcode: deliveries retire nothing, yet
 * cpu_run() must return within its budget. */
static void test_fault_loop_budget(void)
{
    static const uint8_t ud[] = {0x0F, 0xFF};
    start32(CPU_386, ud, sizeof ud);
    tm_set_gate(t, EXC_UD, CODE);
    uint64_t ic = t->cpu.icount;
    CHECK_EQ(tm_run(t, 500), CPU_STOP_BUDGET);
    CHECK_EQ(t->cpu.icount, ic);
    CHECK_EQ(t->cpu.eip, CODE);
    CHECK_EQ(t->cpu.gpr[R_ESP], 0x90000u - 12u * 500); /* one frame per delivery */
}

/* TF: the instruction after the POPF that set it runs, then #DB (a trap: the handler sees
 * the next EIP) with DR6.BS. */
static void test_single_step(void)
{
    start32(CPU_386, snip_tf_step, sizeof snip_tf_step);
    CHECK_EQ(tm_run(t, 20), CPU_STOP_HALT);
    CHECK_EQ(t->cpu.eip, HANDLER + 1);
    uint32_t first_nop = CODE + sizeof snip_tf_step - 3;
    CHECK_EQ(tm_rd32(t, t->cpu.gpr[R_ESP]), first_nop + 1);
    CHECK_EQ(tm_rd32(t, t->cpu.gpr[R_ESP] + 8) & FL_TF, FL_TF);
    CHECK_EQ(t->cpu.eflags & FL_TF, 0u);
    CHECK_EQ(t->cpu.dr[6] & 0x4000, 0x4000u);
}

/* MOV SS holds an interrupt off for one instruction, like STI (real mode). */
static void test_mov_ss_shadow(void)
{
    if (t)
        tm_free(t);
    t = tm_new(CPU_386);
    struct cpu *c = &t->cpu;
    tm_real(t, 0, 0x1000);
    tm_load(t, 0x1000, snip_mov_ss_shadow, sizeof snip_mov_ss_shadow);
    tm_load(t, 0x8000, snip_de_handler, sizeof snip_de_handler);
    tm_wr32(t, 0x08 * 4, 0x8000);
    c->gpr[R_EAX] = 0;
    c->eflags |= FL_IF;
    t->intr_vec = 0x08;
    cpu_set_intr(c, true);
    /* the interrupt is taken before MOV SS (nothing holds it), so raise it afterwards */
    cpu_set_intr(c, false);
    CHECK_EQ(tm_run(t, 1), CPU_STOP_BUDGET); /* MOV SS */
    cpu_set_intr(c, true);
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->eip, 0x8001u);
    CHECK_EQ(phys_read(&t->phys, c->gpr[R_ESP] & 0xFFFF, 2), 0x1003u); /* after the NOP */
    cpu_set_intr(c, false);
}

int main(void)
{
    test_pushf_popf();
    test_esc();
    test_486_ops();
    test_enter_leave();
    test_pusha_popa16();
    test_lock_ud();
    test_cow_adc();
    test_fault_loop_budget();
    test_single_step();
    test_mov_ss_shadow();
    tm_free(t);
    return test_summary("test_cpu_misc");
}
