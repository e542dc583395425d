/* String instructions: Linux 0.11's `std; repne scasb` over a byte map (exact ECX/EDI/ZF),
 * MOVS/STOS/CMPS/LODS in both directions with overrides, 16-bit SI/DI wrap-around, a REP
 * restarted after a #PF in the middle, and a REP interrupted between elements. */
#include "fixture.h"
#include "snippets.h"

#define CODE 0x1000u

static struct tmach *t;

static void start(const uint8_t *code, size_t n)
{
    tm_flat32(t, CODE);
    tm_load(t, CODE, code, n);
}

/* get_free_page's scan: from the top of mem_map down, looking for a 0 byte. */
static void test_std_repne_scasb(void)
{
    const uint32_t map = 0x20000, n = 3000;
    for (uint32_t hole = 0; hole <= n; hole += 250) { /* hole == n: no free byte */
        for (uint32_t k = 0; k < n; k++)
            phys_write(&t->phys, map + k, 1, k == hole ? 0 : 1 + (k % 3));
        start(snip_std_repne_scasb, sizeof snip_std_repne_scasb);
        struct cpu *c = &t->cpu;
        c->gpr[R_EAX] = 0xFFFFFF00u;
        c->gpr[R_ECX] = n;
        c->gpr[R_EDI] = map + n - 1;
        CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
        /* reference: each compare decrements ECX and EDI, stop after the matching one */
        uint32_t ecx = n, edi = map + n - 1;
        bool zf = false;
        while (ecx) {
            uint8_t b = (uint8_t)tm_rd8(t, edi);
            edi--;
            ecx--;
            zf = b == 0;
            if (zf)
                break;
        }
        CHECK_EQ(c->gpr[R_ECX], ecx);
        CHECK_EQ(c->gpr[R_EDI], edi);
        CHECK_EQ((cpu_get_eflags(c) & FL_ZF) != 0, zf);
        CHECK_EQ(cpu_get_eflags(c) & FL_DF, FL_DF);
        if (hole < n)
            CHECK_EQ(c->gpr[R_EDI] + 1, map + hole);
    }
}

static void test_movs_stos_cmps(void)
{
    struct cpu *c = &t->cpu;
    for (uint32_t k = 0; k < 64; k++)
        phys_write(&t->phys, 0x30000 + k, 1, k * 7);
    start(snip_rep_movsb, sizeof snip_rep_movsb);
    c->gpr[R_ESI] = 0x30000;
    c->gpr[R_EDI] = 0x31000;
    c->gpr[R_ECX] = 64;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_ECX], 0u);
    CHECK_EQ(c->gpr[R_ESI], 0x30040u);
    CHECK_EQ(c->gpr[R_EDI], 0x31040u);
    int bad = 0;
    for (uint32_t k = 0; k < 64; k++)
        bad += tm_rd8(t, 0x31000 + k) != ((k * 7) & 0xFF);
    CHECK_EQ(bad, 0);

    /* backwards, dwords: ESI/EDI point at the last element */
    start(snip_std_rep_movsd, sizeof snip_std_rep_movsd);
    c->gpr[R_ESI] = 0x3003C;
    c->gpr[R_EDI] = 0x3203C;
    c->gpr[R_ECX] = 16;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_ESI], 0x2FFFCu);
    CHECK_EQ(c->gpr[R_EDI], 0x31FFCu);
    CHECK_EQ(tm_rd32(t, 0x32000), tm_rd32(t, 0x30000));
    CHECK_EQ(tm_rd32(t, 0x3203C), tm_rd32(t, 0x3003C));

    start(snip_rep_stosd, sizeof snip_rep_stosd);
    c->gpr[R_EAX] = 0xDEADBEEFu;
    c->gpr[R_EDI] = 0x33000;
    c->gpr[R_ECX] = 1024;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(tm_rd32(t, 0x33FFC), 0xDEADBEEFu);
    CHECK_EQ(tm_rd32(t, 0x34000) == 0xDEADBEEFu, false);
    CHECK_EQ(c->gpr[R_EDI], 0x34000u);

    /* REPE CMPSB stops after the first difference */
    phys_write(&t->phys, 0x31000 + 20, 1, 0x99);
    start(snip_repe_cmpsb, sizeof snip_repe_cmpsb);
    c->gpr[R_ESI] = 0x30000;
    c->gpr[R_EDI] = 0x31000;
    c->gpr[R_ECX] = 64;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_ECX], 64u - 21);
    CHECK_EQ(c->gpr[R_ESI], 0x30000u + 21);
    CHECK_EQ(cpu_get_eflags(c) & FL_ZF, 0u);

    /* LODSW with an FS override */
    start(snip_seg_lodsw, sizeof snip_seg_lodsw);
    c->seg[SEG_FS].base = 0x30000;
    c->gpr[R_ESI] = 2;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, (uint32_t)(14 | 21 << 8));
    CHECK_EQ(c->gpr[R_ESI], 4u);
}

/* 16-bit addressing: SI and DI wrap at 64K and the upper halves stay. */
static void test_wrap16(void)
{
    struct cpu *c = &t->cpu;
    tm_real(t, 0, 0x1000);
    tm_load(t, 0x1000, snip_rep_movsb16, sizeof snip_rep_movsb16);
    cpu_set_seg_raw(c, SEG_DS, 0x4000);
    cpu_set_seg_raw(c, SEG_ES, 0x5000);
    phys_write(&t->phys, 0x4FFFE, 1, 0xA1);
    phys_write(&t->phys, 0x4FFFF, 1, 0xA2);
    phys_write(&t->phys, 0x40000, 1, 0xA3);
    c->gpr[R_ESI] = 0x1234FFFEu;
    c->gpr[R_EDI] = 0x00000100u;
    c->gpr[R_ECX] = 0xABCD0003u;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_ESI], 0x12340001u);
    CHECK_EQ(c->gpr[R_ECX], 0xABCD0000u);
    CHECK_EQ(tm_rd8(t, 0x50100), 0xA1u);
    CHECK_EQ(tm_rd8(t, 0x50102), 0xA3u);
}

/* Paging: identity map of 4 MiB with page 0x50000 not present; REP STOSD runs into it. */
#define PD 0x100000u
#define PT 0x101000u
#define PF_HANDLER 0x7100u
static void test_pf_restart(void)
{
    struct cpu *c = &t->cpu;
    start(snip_rep_stosd, sizeof snip_rep_stosd);
    tm_wr32(t, PD, PT | 7);
    for (uint32_t k = 1; k < 1024; k++)
        tm_wr32(t, PD + 4 * k, 0);
    for (uint32_t k = 0; k < 1024; k++)
        tm_wr32(t, PT + 4 * k, (k << 12) | (k == 0x50 ? 6 : 7));
    tm_set_gate(t, EXC_PF, PF_HANDLER);
    tm_load(t, PF_HANDLER, snip_pf_handler, sizeof snip_pf_handler);
    c->cr3 = PD;
    c->cr0 |= CR0_PG;
    mmu_set_cr3(&t->mmu, PD, PW_FLUSH_API);
    mmu_set_cr0(&t->mmu, true, false);
    c->gpr[R_EAX] = 0x5A5A5A5Au;
    c->gpr[R_EDI] = 0x4F000;
    c->gpr[R_ECX] = 2048; /* 8 KiB: the second page faults */
    CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
    CHECK_EQ(c->eip, PF_HANDLER + 1);
    CHECK_EQ(c->cr2, 0x50000u);
    CHECK_EQ(c->gpr[R_EDI], 0x50000u);
    CHECK_EQ(c->gpr[R_ECX], 1024u);
    CHECK_EQ(tm_rd32(t, c->gpr[R_ESP]), 2u);         /* error code: write, not present */
    CHECK_EQ(tm_rd32(t, c->gpr[R_ESP] + 4), CODE + 1); /* EIP of the REP STOSD (after CLD) */
    CHECK_EQ(tm_rd32(t, 0x4FFFC), 0x5A5A5A5Au);
    /* the handler "maps" the page; IRET restarts the string instruction where it stopped */
    tm_wr32(t, PT + 4 * 0x50, 0x50000 | 7);
    c->halted = false; /* leave the handler's HLT (the test plays the wake-up) */
    CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
    if (c->shutdown_reason)
        fprintf(stderr, "shutdown: %s\n", c->shutdown_msg);
    CHECK_EQ(c->eip, CODE + 4);
    CHECK_EQ(c->gpr[R_ECX], 0u);
    CHECK_EQ(c->gpr[R_EDI], 0x51000u);
    CHECK_EQ(tm_rd32(t, 0x50FFC), 0x5A5A5A5Au);
    c->cr0 &= ~CR0_PG;
    mmu_set_cr0(&t->mmu, false, false);
}

/* An interrupt raised by the 3rd OUTSB element stops the REP right after that element;
 * the handler returns to the REP, which finishes. */
#define IRQ_HANDLER 0x7200u
static void test_rep_interrupted(void)
{
    struct cpu *c = &t->cpu;
    start(snip_rep_outsb, sizeof snip_rep_outsb);
    tm_set_gate(t, 0x20, IRQ_HANDLER);
    tm_load(t, IRQ_HANDLER, snip_irq_handler, sizeof snip_irq_handler);
    t->intr_vec = 0x20;
    t->outs = 0;
    t->intr_after = 3;
    c->eflags |= FL_IF;
    c->gpr[R_ESI] = 0x30000;
    c->gpr[R_ECX] = 10;
    c->gpr[R_EDX] = 0xE9;
    uint64_t ic = c->icount;
    CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
    CHECK_EQ(c->eip, IRQ_HANDLER + 1);
    CHECK_EQ(t->outs, 3);
    CHECK_EQ(c->gpr[R_ECX], 7u);
    CHECK_EQ(c->gpr[R_ESI], 0x30003u);
    CHECK_EQ(tm_rd32(t, c->gpr[R_ESP]), CODE + 1);
    CHECK_EQ(c->icount - ic, 2u); /* CLD and the handler's HLT; the REP is not retired */
    cpu_set_intr(c, false);
    c->halted = false;
    CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
    CHECK_EQ(t->outs, 10);
    CHECK_EQ(c->gpr[R_ECX], 0u);
    CHECK_EQ(c->eip, CODE + 4);
    t->intr_after = 0;
}

/* A REP with a huge count gives cpu_run() back control in chunks: the budget is honoured,
 * icount counts the instruction once, when it finally retires. */
static void test_long_rep_budget(void)
{
    struct cpu *c = &t->cpu;
    start(snip_rep_stosd, sizeof snip_rep_stosd);
    c->gpr[R_EAX] = 0x01010101u;
    c->gpr[R_EDI] = 0x100000;
    c->gpr[R_ECX] = 0x80000; /* 2 MiB */
    uint64_t ic = c->icount;
    CHECK_EQ(tm_run(t, 3), CPU_STOP_BUDGET);
    CHECK_EQ(c->icount - ic, 1u);   /* CLD only */
    CHECK_EQ(c->eip, CODE + 1);      /* at the REP STOSD */
    CHECK(c->gpr[R_ECX] < 0x80000u && c->gpr[R_ECX] > 0);
    CHECK_EQ(c->gpr[R_EDI], 0x100000u + 4 * (0x80000u - c->gpr[R_ECX]));
    CHECK_EQ(tm_run(t, 1000000), CPU_STOP_HALT);
    CHECK_EQ(c->icount - ic, 3u);   /* CLD, REP STOSD, HLT */
    CHECK_EQ(c->gpr[R_ECX], 0u);
    CHECK_EQ(tm_rd32(t, 0x2FFFFC), 0x01010101u);
}

int main(void)
{
    t = tm_new(CPU_386);
    test_std_repne_scasb();
    test_movs_stos_cmps();
    test_wrap16();
    test_pf_restart();
    test_rep_interrupted();
    test_long_rep_budget();
    tm_free(t);
    return test_summary("test_cpu_string");
}
