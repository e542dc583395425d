/* String instructions: Linux 0.11's `std; repne scasb` over a byte map (exact ECX/EDI/ZF),
 * MOVS/STOS/CMPS/LODS in both directions with overrides, 16-bit SI/DI wrap-around, a REP
 * restarted after a #PF in the middle, and a REP interrupted between elements. */
#include "fixture.h"
#include "snippets.h"

#define CODE 0x1000u
#define REP_CHUNK_ELEMS 4096u /* cpu/decode.h REP_CHUNK */

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

/* REP MOVS/STOS/SCAS/CMPS run in page-sized chunks through host pointers when the MMU's
 * fast table allows it. With --tlb-check on, the fast table is never used, so the same
 * program takes the element-by-element path: both runs must end with the same registers,
 * flags, memory and TLB statistics. The one difference: with --tlb-check every instruction
 * fetch is a counted lookup, while the fast fetch path counts only the first one of the
 * run, so the checked run has one more lookup (and hit) per instruction start after the
 * first: per retired instruction and per restart of the REP after a REP_CHUNK yield.
 * Paging on, identity mapped. */
struct chunk_case {
    uint32_t esi, edi, ecx, eax;
    bool std, a16;
    uint8_t op[2]; /* REP prefix, opcode */
};

static void chunk_fill(void)
{
    uint32_t x = 12345;
    for (uint32_t a = 0x200000; a < 0x210000; a += 4) {
        x = x * 1103515245u + 12345u;
        /* few distinct bytes, so SCAS/CMPS find matches and mismatches */
        tm_wr32(t, a, (x >> 8) & 0x03030303u);
    }
    /* a copy of the first 5000 bytes at 0x208000 (CMPS runs equal for a while) */
    for (uint32_t a = 0; a < 5000; a += 4)
        tm_wr32(t, 0x208000 + a, tm_rd32(t, 0x200000 + a));
}

static void chunk_run(const struct chunk_case *k, bool check, uint32_t regs[9], uint64_t st[4],
                      uint8_t *mem)
{
    uint8_t code[64];
    size_t n = 0;
    uint32_t v[4] = {k->esi, k->edi, k->ecx, k->eax};
    const uint8_t mov[4] = {0xBE, 0xBF, 0xB9, 0xB8};
    for (int r = 0; r < 4; r++) {
        code[n++] = mov[r];
        memcpy(code + n, &v[r], 4);
        n += 4;
    }
    code[n++] = k->std ? 0xFD : 0xFC;
    if (k->a16)
        code[n++] = 0x67;
    code[n++] = k->op[0];
    code[n++] = k->op[1];
    code[n++] = 0xF4;
    start(code, n);
    chunk_fill();
    /* page directory at 0x300000, one table at 0x301000: the first 4 MiB, user RW */
    tm_wr32(t, 0x300000, 0x301007);
    for (uint32_t i = 1; i < 1024; i++)
        tm_wr32(t, 0x300000 + 4 * i, 0);
    for (uint32_t i = 0; i < 1024; i++)
        tm_wr32(t, 0x301000 + 4 * i, (i << 12) | 7);
    struct cpu *c = &t->cpu;
    cpu_write_cr(c, 3, 0x300000);
    cpu_write_cr(c, 0, c->cr0 | CR0_PG);
    mmu_set_tlb_check(&t->mmu, check);
    struct mmu_tlb_stats s0 = mmu_stats(&t->mmu);
    uint64_t l0 = s0.lookups, h0 = s0.hits, m0 = s0.misses;
    uint64_t i0 = c->icount;
    CHECK_EQ(tm_run(t, 100000), CPU_STOP_HALT);
    st[3] = c->icount - i0;
    mmu_set_tlb_check(&t->mmu, false);
    memcpy(regs, c->gpr, 8 * sizeof regs[0]);
    regs[8] = cpu_get_eflags(c);
    struct mmu_tlb_stats s1 = mmu_stats(&t->mmu);
    st[0] = s1.lookups - l0;
    st[1] = s1.hits - h0;
    st[2] = s1.misses - m0;
    phys_read_block(&t->phys, 0x200000, mem, 0x10000);
    cpu_write_cr(c, 0, c->cr0 & ~CR0_PG);
}

static void test_chunks_match_element_loop(void)
{
    static const struct chunk_case cases[] = {
        {0x200F00, 0x200F01, 300, 0, false, false, {0xF3, 0xA4}},   /* movsb, overlap, forward */
        {0x200F01, 0x200F00, 300, 0, false, false, {0xF3, 0xA4}},   /* movsb, overlap, other way */
        {0x201FF8, 0x202004, 2000, 0, true, false, {0xF3, 0xA5}},   /* movsd down, overlap */
        {0x200010, 0x205003, 9000, 0, false, false, {0xF3, 0xA4}},  /* movsb across pages */
        {0x200012, 0x20A001, 3000, 0, false, false, {0xF3, 0xA5}},  /* movsd misaligned */
        {0, 0x206FFE, 3000, 0x11223344, false, false, {0xF3, 0xAB}}, /* stosd across pages */
        {0, 0x207FFF, 5000, 0x99, true, false, {0xF3, 0xAA}},       /* stosb down */
        {0, 0x2017FF, 3840, 0x02, true, false, {0xF2, 0xAE}},       /* std; repne scasb */
        {0, 0x2017FF, 3840, 0x07, true, false, {0xF2, 0xAE}},       /* no match */
        {0, 0x200100, 3840, 0x01, false, false, {0xF3, 0xAE}},      /* repe scasb */
        {0, 0x200100, 1500, 0x03030303, false, false, {0xF2, 0xAF}}, /* repne scasd */
        {0x200000, 0x208000, 6000, 0, false, false, {0xF3, 0xA6}},  /* repe cmpsb */
        {0x200000, 0x200001, 6000, 0, false, false, {0xF2, 0xA6}},  /* repne cmpsb */
        {0x201000, 0x209000, 1000, 0, true, false, {0xF3, 0xA7}},   /* repe cmpsd down */
        {0x20FFF0, 0x208000, 0x40, 0, false, true, {0xF3, 0xA4}},   /* 16-bit SI wraps */
        {0x200008, 0x20FFF8, 0x40, 0x55, false, true, {0xF3, 0xAA}}, /* 16-bit DI wraps */
        {0x200004, 0x208000, 0x40, 0, true, true, {0xF3, 0xA5}},    /* 16-bit SI wraps down */
    };
    uint8_t *ma = malloc(0x10000), *mb = malloc(0x10000);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t ra[9], rb[9];
        uint64_t sa[4], sb[4];
        chunk_run(&cases[i], false, ra, sa, ma);
        chunk_run(&cases[i], true, rb, sb, mb);
        for (int r = 0; r < 9; r++)
            CHECK_EQ(ra[r], rb[r]);
        CHECK_EQ(sa[3], sb[3]);
        uint32_t amask = cases[i].a16 ? 0xFFFFu : 0xFFFFFFFFu;
        uint64_t elems = (cases[i].ecx - ra[R_ECX]) & amask;
        uint64_t fetches = sb[3] - 1 + (elems ? (elems - 1) / REP_CHUNK_ELEMS : 0);
        CHECK_EQ(sb[0] - sa[0], fetches);
        CHECK_EQ(sb[1] - sa[1], fetches);
        CHECK_EQ(sa[2], sb[2]);
        CHECK(memcmp(ma, mb, 0x10000) == 0);
    }
    free(ma);
    free(mb);
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
    test_chunks_match_element_loop();
    tm_free(t);
    return test_summary("test_cpu_string");
}
