/* Whole code snippets through cpu_run (the core's step loop with the system half): a
 * Linux-0.11-style task ping-pong by far JMP to TSS selectors, ring 3 entered by IRET with
 * INT 0x80 system calls, V86 entered by IRET with an IOPL-sensitive INT trapping to ring 0,
 * a segment-not-present fault turning into a double fault, and a triple fault shutdown. */
#include "fixture.h"

#include <string.h>

static void put(struct fx *f, uint32_t a, const uint8_t *b, size_t n)
{
    phys_write_block(&f->p, a, b, (uint32_t)n);
}

static void gate(struct fx *f, unsigned vec, uint32_t off, uint8_t access)
{
    set_gate(f, IDT_BASE, vec, S_CODE0, off, access, 0);
}

static void test_task_ping_pong(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    static const uint8_t a[] = {
        0xB8, 0x01, 0x00, 0x00, 0x00,             /* mov eax, 1      */
        0xEA, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00, /* ljmp 0x30:0     */
        0x40,                                     /* inc eax         */
        0xF4,                                     /* hlt             */
    };
    static const uint8_t b[] = {
        0xBB, 0x22, 0x00, 0x00, 0x00,             /* mov ebx, 0x22   */
        0xEA, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, /* ljmp 0x28:0     */
    };
    put(&f, 0x10000, a, sizeof a);
    put(&f, 0x12000, b, sizeof b);
    enum cpu_stop r = cpu_run(c, 100);
    CHECK_EQ(r, CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_EAX], 2u);
    CHECK_EQ(c->gpr[R_EBX], 0u);          /* A's own EBX came back */
    CHECK_EQ(rd32(&f, TSS_B + 0x34), 0x22u); /* B's EBX was saved */
    CHECK_EQ(rd32(&f, TSS_B + 0x20), 0x1200Cu);
    CHECK_EQ(c->tr.sel, S_TSSA);
    CHECK_EQ(f.count[PW_EV_TASK_SWITCH], 2);
    CHECK_EQ(desc_access(&f, S_TSSA), 0x8B);
    CHECK_EQ(desc_access(&f, S_TSSB), 0x89);
    fx_free(&f);
}

static void test_ring3_syscall(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    static const uint8_t k[] = {
        0x6A, 0x23,                   /* push 0x23 (SS)      */
        0x68, 0x00, 0x7F, 0x00, 0x00, /* push 0x7F00 (ESP)   */
        0x68, 0x02, 0x02, 0x00, 0x00, /* push 0x202 (EFLAGS) */
        0x6A, 0x1B,                   /* push 0x1B (CS)      */
        0x68, 0x00, 0x30, 0x01, 0x00, /* push 0x13000 (EIP)  */
        0xCF,                         /* iret                */
    };
    static const uint8_t u[] = {
        0xB8, 0x05, 0x00, 0x00, 0x00, /* mov eax, 5 */
        0xCD, 0x80,                   /* int 0x80   */
        0xCD, 0x81,                   /* int 0x81   */
    };
    static const uint8_t h80[] = {0x40, 0xCF}; /* inc eax; iret */
    static const uint8_t h81[] = {0xF4};       /* hlt */
    put(&f, 0x10000, k, sizeof k);
    put(&f, 0x13000, u, sizeof u);
    put(&f, 0x11000, h80, sizeof h80);
    put(&f, 0x11100, h81, sizeof h81);
    gate(&f, 0x80, 0x11000, 0xEF);
    gate(&f, 0x81, 0x11100, 0xEE);
    enum cpu_stop r = cpu_run(c, 100);
    CHECK_EQ(r, CPU_STOP_HALT);
    CHECK_EQ(c->cpl, 0);
    CHECK_EQ(c->gpr[R_EAX], 6u);
    CHECK_EQ(c->gpr[R_ESP], STK0_TOP - 20);
    CHECK_EQ(rd32(&f, STK0_TOP - 20), 0x13009u);
    CHECK_EQ(rd32(&f, STK0_TOP - 16), S_CODE3);
    CHECK_EQ(rd32(&f, STK0_TOP - 8), 0x7F00u);
    CHECK_EQ(rd32(&f, STK0_TOP - 4), S_DATA3);
    CHECK_EQ(f.count[PW_EV_IRET], 2);
    CHECK_EQ(f.count[PW_EV_INTERRUPT], 2);
    fx_free(&f);
}

static void test_v86_trap(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    /* IRET to V86 at 2000:0100 with IOPL 0; the V86 code runs INT 21h, which traps */
    uint32_t sp = STK0_TOP - 36;
    uint32_t frame[9] = {0x0100, 0x2000, FL_VM | 0x202, 0x0FF0, 0x3000, 0, 0, 0, 0};
    for (int i = 0; i < 9; i++)
        wr32(&f, sp + 4 * (uint32_t)i, frame[i]);
    c->gpr[R_ESP] = sp;
    static const uint8_t k[] = {0xCF};                        /* iret */
    static const uint8_t v[] = {0xB0, 0x07, 0xCD, 0x21};      /* mov al, 7; int 21h */
    static const uint8_t h[] = {0xF4};                        /* hlt */
    put(&f, 0x10000, k, sizeof k);
    put(&f, 0x20100, v, sizeof v);
    put(&f, 0x11000, h, sizeof h);
    gate(&f, EXC_GP, 0x11000, 0x8E);
    enum cpu_stop r = cpu_run(c, 100);
    CHECK_EQ(r, CPU_STOP_HALT);
    CHECK(!cpu_v86(c));
    CHECK_EQ(c->gpr[R_EAX] & 0xFF, 7u);
    uint32_t k0 = STK0_TOP - 40;
    CHECK_EQ(c->gpr[R_ESP], k0);
    CHECK_EQ(rd32(&f, k0), 0u);          /* #GP(0) */
    CHECK_EQ(rd32(&f, k0 + 4), 0x0102u); /* the INT instruction */
    CHECK_EQ(rd32(&f, k0 + 8), 0x2000u);
    CHECK(rd32(&f, k0 + 12) & FL_VM);
    CHECK_EQ(f.last[PW_EV_EXCEPTION].exc.vector, EXC_GP);
    fx_free(&f);
}

static void test_double_then_triple(void)
{
    struct fx f;
    fx_init(&f, CPU_386);
    struct cpu *c = &f.c;
    static const uint8_t k[] = {
        0x66, 0xB8, 0x40, 0x00, /* mov ax, 0x40 (not present) */
        0x8E, 0xD8,             /* mov ds, ax -> #NP(0x40)   */
    };
    static const uint8_t h[] = {0xF4};
    put(&f, 0x10000, k, sizeof k);
    put(&f, 0x11200, h, sizeof h);
    gate(&f, EXC_NP, 0x11000, 0x0E); /* the #NP handler is not present either */
    gate(&f, EXC_DF, 0x11200, 0x8E);
    enum cpu_stop r = cpu_run(c, 100);
    CHECK_EQ(r, CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_ESP], STK0_TOP - 16);
    CHECK_EQ(rd32(&f, STK0_TOP - 16), 0u);        /* #DF error code */
    CHECK_EQ(rd32(&f, STK0_TOP - 12), 0x10004u);  /* the faulting MOV DS */
    CHECK_EQ(f.last[PW_EV_EXCEPTION].exc.vector, EXC_DF);
    fx_free(&f);

    /* no #DF handler: triple fault, the CPU shuts down with a report */
    fx_init(&f, CPU_386);
    c = &f.c;
    put(&f, 0x10000, k, sizeof k);
    gate(&f, EXC_NP, 0x11000, 0x0E);
    r = cpu_run(c, 100);
    CHECK_EQ(r, CPU_STOP_SHUTDOWN);
    CHECK(c->shutdown_reason != NULL);
    CHECK(strstr(c->shutdown_msg, "triple fault") != NULL);
    CHECK(strstr(c->shutdown_msg, "#NP") != NULL);
    fx_free(&f);
}

int main(void)
{
    test_task_ping_pong();
    test_ring3_syscall();
    test_v86_trap();
    test_double_then_triple();
    return test_summary("test_cpu_snippets");
}
