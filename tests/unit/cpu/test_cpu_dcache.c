/* The decoded-instruction cache (cpu/dcache.h) must never run stale code: a store that
 * rewrites an instruction, a page remapped under the same linear address, the same bytes
 * at two addresses (relative branches), an instruction that straddles a page boundary,
 * and a fault inside a decoded instruction all behave as the byte-by-byte interpreter
 * does, in cpu_run() and in cpu_step(). */
#include "fixture.h"
#include "test.h"

/* Self-modifying loop: each pass adds the immediate of its first instruction to EBX, then
 * stores EDX over that immediate. A first run (EDX = 1, four passes) leaves every
 * instruction decoded; the second (EDX = 2, three passes) must see the new immediate from
 * its second pass on: 4 + (1 + 2 + 2). */
static const uint8_t smc_loop[] = {
    0xB8, 0x01, 0x00, 0x00, 0x00,       /* 2000 mov $1,%eax (the immediate is rewritten) */
    0x01, 0xC3,                         /* 2005 add %eax,%ebx */
    0x89, 0x15, 0x01, 0x20, 0x00, 0x00, /* 2007 mov %edx,0x2001 */
    0x49,                               /* 200D dec %ecx */
    0x75, 0xF0,                         /* 200E jnz 2000 */
    0xF4,                               /* 2010 hlt */
};

static void run_smc(int stepped)
{
    struct tmach *t = tm_new(CPU_386);
    struct cpu *c = &t->cpu;
    tm_flat32(t, 0x2000);
    tm_load(t, 0x2000, smc_loop, sizeof smc_loop);
    c->gpr[R_EBX] = 0;
    for (int run = 0; run < 2; run++) {
        c->eip = 0x2000;
        c->halted = false;
        c->gpr[R_ECX] = run ? 3 : 4;
        c->gpr[R_EDX] = run ? 2 : 1;
        if (stepped) {
            for (int k = 0; k < 100 && !c->halted; k++)
                cpu_step(c);
        } else {
            CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
        }
    }
    CHECK_EQ(c->gpr[R_EBX], 9);
    CHECK_EQ(c->eip, 0x2011);
    CHECK_EQ(c->icount, 7 * 5 + 2);
    tm_free(t);
}

/* An instruction that rewrites the one right after it: the new bytes run. */
static void run_smc_next(void)
{
    static const uint8_t code[] = {
        0xC6, 0x05, 0x08, 0x20, 0x00, 0x00, 0x07, /* 2000 movb $7,0x2008 */
        0xB0, 0x01,                               /* 2007 mov $1,%al (imm patched to 7) */
        0xF4,                                     /* 2009 hlt */
    };
    struct tmach *t = tm_new(CPU_386);
    struct cpu *c = &t->cpu;
    /* run it twice from the cache: the second time the patched bytes are already there */
    for (int pass = 0; pass < 2; pass++) {
        tm_flat32(t, 0x2000);
        tm_load(t, 0x2000, code, sizeof code);
        c->gpr[R_EAX] = 0;
        CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
        CHECK_EQ(c->gpr[R_EAX] & 0xFF, 7);
    }
    tm_free(t);
}

/* The same bytes at two addresses: a near call with a relative target. */
static void run_same_bytes(void)
{
    static const uint8_t sub[] = {0x43, 0xC3};                  /* inc %ebx; ret */
    static const uint8_t caller[] = {0xE8, 0xFB, 0x0F, 0x00, 0x00}; /* call +0xFFB */
    struct tmach *t = tm_new(CPU_386);
    struct cpu *c = &t->cpu;
    tm_flat32(t, 0x2000);
    /* call at 0x2000 -> 0x3000 (sub A), call at 0x2005 -> 0x3005 (sub B), hlt */
    tm_load(t, 0x2000, caller, sizeof caller);
    tm_load(t, 0x2005, caller, sizeof caller);
    static const uint8_t hlt = 0xF4;
    tm_load(t, 0x200A, &hlt, 1);
    static const uint8_t sub_b[] = {0x43, 0x43, 0xC3};          /* inc %ebx twice */
    tm_load(t, 0x3000, sub, sizeof sub);
    tm_load(t, 0x3005, sub_b, sizeof sub_b);
    c->gpr[R_EBX] = 0;
    CHECK_EQ(tm_run(t, 20), CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_EBX], 3);
    CHECK_EQ(c->eip, 0x200B);
    CHECK_EQ(c->gpr[R_ESP], 0x90000);
    tm_free(t);
}

/* A page remapped under the same linear address runs the new frame's code. */
static void run_remap(void)
{
    struct tmach *t = tm_new(CPU_386);
    struct cpu *c = &t->cpu;
    const uint32_t pd = 0x10000, pt = 0x11000;
    tm_identity_tables(t, pd, pt);
    static const uint8_t one[] = {0xB8, 0x01, 0, 0, 0, 0xF4}; /* mov $1,%eax; hlt */
    static const uint8_t two[] = {0xB8, 0x02, 0, 0, 0, 0xF4}; /* mov $2,%eax; hlt */
    tm_load(t, 0x5000, one, sizeof one);
    tm_load(t, 0x6000, two, sizeof two);
    for (int pass = 0; pass < 2; pass++) {
        tm_flat32(t, 0x5000);
        tm_paging_on(t, pd);
        CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
        CHECK_EQ(c->gpr[R_EAX], pass == 0 ? 1u : 2u);
        tm_wr32(t, pt + 4 * 5, 0x6000 | 3); /* linear 0x5000 -> frame 0x6000 */
    }
    tm_free(t);
}

/* An instruction that straddles a page boundary, and a decoded store that faults: EIP at
 * the faulting instruction, nothing retired, and the handler sees the right frame. */
static void run_edges(void)
{
    struct tmach *t = tm_new(CPU_386);
    struct cpu *c = &t->cpu;
    tm_flat32(t, 0x2FFD);
    static const uint8_t straddle[] = {0xB8, 0x05, 0x00, 0x00, 0x00, 0xF4}; /* mov $5,%eax */
    tm_load(t, 0x2FFD, straddle, sizeof straddle);
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_EAX], 5);

    /* mov %eax,(%ebx) with EBX beyond a 1 MiB data limit: #GP(0) */
    tm_flat32(t, 0x2000);
    static const uint8_t store[] = {0x90, 0x89, 0x03, 0xF4};   /* nop; mov %eax,(%ebx) */
    static const uint8_t handler[] = {0xF4};
    tm_load(t, 0x2000, store, sizeof store);
    tm_load(t, 0x4000, handler, sizeof handler);
    tm_set_gate(t, EXC_GP, 0x4000);
    c->seg[SEG_DS].limit = 0xFFFFF;
    c->gpr[R_EBX] = 0x200000;
    uint64_t before = c->icount;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->eip, 0x4001);
    CHECK_EQ(c->icount - before, 2); /* nop, hlt: the store never retired */
    CHECK_EQ(tm_rd32(t, 0x90000 - 12), 0x2001); /* pushed EIP: the store itself */
    CHECK_EQ(tm_rd32(t, 0x90000 - 16), 0);      /* error code */
    tm_free(t);
}

/* A flat 32-bit machine running code at 0x2000, with a #GP handler (HLT) at 0x4000. */
static struct tmach *gp_machine(const uint8_t *code, size_t n)
{
    static const uint8_t handler[] = {0xF4};
    struct tmach *t = tm_new(CPU_386);
    tm_flat32(t, 0x2000);
    tm_load(t, 0x2000, code, n);
    tm_load(t, 0x4000, handler, sizeof handler);
    tm_set_gate(t, EXC_GP, 0x4000);
    return t;
}

/* A flat data segment (base 0, limit 4 GiB - 1) is learnt as such in a block, which then
 * skips the limit compare (dc_ops.h, dc_seg_flat): an access that runs past 4 GiB is still
 * beyond the limit, #GP(0) at that instruction, as the interpreter has it. A loop reads (or
 * writes) at EBX = 0xFFFFFFE5 + 8k: the fourth pass reaches 0xFFFFFFFD..0x1_00000000. */
static void run_flat_wrap(int stepped, int write)
{
    const uint8_t code[] = {
        write ? 0x89 : 0x8B, 0x03, /* 2000 mov (%ebx),%eax or mov %eax,(%ebx) */
        0x83, 0xC3, 0x08,          /* 2002 add $8,%ebx */
        0x49,                      /* 2005 dec %ecx */
        0x75, 0xF8,                /* 2006 jnz 2000 */
        0xF4,                      /* 2008 hlt */
    };
    struct tmach *t = gp_machine(code, sizeof code);
    struct cpu *c = &t->cpu;
    c->gpr[R_EBX] = 0xFFFFFFE5u;
    c->gpr[R_ECX] = 10;
    if (stepped) {
        for (int k = 0; k < 100 && !c->halted; k++)
            cpu_step(c);
    } else {
        CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
    }
    CHECK_EQ(c->eip, 0x4001);
    CHECK_EQ(c->icount, 13); /* three passes of four, the handler's hlt */
    CHECK_EQ(c->gpr[R_EBX], 0xFFFFFFFDu);
    CHECK_EQ(c->gpr[R_ECX], 7);
    CHECK_EQ(tm_rd32(t, 0x90000 - 12), 0x2000); /* pushed EIP: the access itself */
    CHECK_EQ(tm_rd32(t, 0x90000 - 16), 0);      /* error code */
    tm_free(t);
}

/* A block whose load or store was built for a flat DS (its _flat handler, cpu/dblock.h:
 * flat) runs again after DS changed: with a base, the access must add it; with a limit, the
 * access beyond it must fault (#GP(0) at that instruction), as the interpreter has it. The
 * loop reads (or writes EAX) at EBX + 4k, k = 0..3, adding what it read to EDX. */
static void run_flat_then_not(int write)
{
    const uint8_t code[] = {
        write ? 0x89 : 0x8B, 0x03, /* 2000 mov (%ebx),%eax or mov %eax,(%ebx) */
        0x01, 0xC2,                /* 2002 add %eax,%edx */
        0x83, 0xC3, 0x04,          /* 2004 add $4,%ebx */
        0x49,                      /* 2007 dec %ecx */
        0x75, 0xF6,                /* 2008 jnz 2000 */
        0xF4,                      /* 200A hlt */
    };
    struct tmach *t = gp_machine(code, sizeof code);
    struct cpu *c = &t->cpu;
    for (uint32_t k = 0; k < 4; k++) {
        tm_wr32(t, 0x30000 + 4 * k, 1u << k);     /* sum 0x0F */
        tm_wr32(t, 0x31000 + 4 * k, 0x100u << k); /* sum 0xF00 */
    }
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 1)
            c->seg[SEG_DS].base = 0x1000; /* (limit still 4 GiB - 1) */
        if (pass == 2) {
            c->seg[SEG_DS].base = 0;
            c->seg[SEG_DS].limit = 0x30007;
        }
        c->eip = 0x2000;
        c->halted = false;
        c->gpr[R_EAX] = 0x55u << pass;
        c->gpr[R_EBX] = 0x30000;
        c->gpr[R_ECX] = 4;
        c->gpr[R_EDX] = 0;
        uint64_t ic = c->icount;
        CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
        if (pass < 2) {
            CHECK_EQ(c->eip, 0x200B);
            CHECK_EQ(c->icount - ic, 21);
            uint32_t at = pass ? 0x31000 : 0x30000;
            if (write) {
                for (uint32_t k = 0; k < 4; k++)
                    CHECK_EQ(tm_rd32(t, at + 4 * k), 0x55u << pass);
                CHECK_EQ(c->gpr[R_EDX], 4 * (0x55u << pass));
            } else {
                CHECK_EQ(c->gpr[R_EDX], pass ? 0xF00u : 0x0Fu);
            }
        } else {
            CHECK_EQ(c->eip, 0x4001); /* the #GP handler's hlt */
            CHECK_EQ(c->icount - ic, 11); /* two passes of five, the handler's hlt */
            CHECK_EQ(c->gpr[R_EBX], 0x30008);
            CHECK_EQ(tm_rd32(t, 0x90000 - 12), 0x2000); /* pushed EIP: the access itself */
            CHECK_EQ(tm_rd32(t, 0x90000 - 16), 0);      /* error code */
            if (write)
                CHECK_EQ(tm_rd32(t, 0x30008), 0x55u); /* as the first run left it */
        }
    }
    tm_free(t);
}

/* Fused pairs (a flag-setting register instruction + Jcc in one record): the boundary
 * between the two stays an instruction boundary. A budget that ends between them stops
 * there; a Jcc that faults reports its own EIP with the first instruction retired. */
static void run_fused(int stepped)
{
    static const uint8_t code[] = {
        0x39, 0xD8, /* 2000 cmp %ebx,%eax */
        0x74, 0x7F, /* 2002 je 2083 (beyond the CS limit: #GP) */
        0x49,       /* 2004 dec %ecx */
        0x75, 0xF9, /* 2005 jnz 2000 */
        0x89, 0xD8, /* 2007 mov %ebx,%eax */
        0xEB, 0xF5, /* 2009 jmp 2000 */
    };
    struct tmach *t = gp_machine(code, sizeof code);
    struct cpu *c = &t->cpu;
    c->seg[SEG_CS].limit = 0x2080;
    cpu_mode_changed(c);
    c->gpr[R_EAX] = 1;
    c->gpr[R_EBX] = 2;
    c->gpr[R_ECX] = 3;
    if (stepped) {
        for (int k = 0; k < 100 && !c->halted; k++)
            cpu_step(c);
    } else {
        /* one instruction per run for the first loop pass, then all the rest */
        for (int k = 0; k < 4; k++) {
            CHECK_EQ(tm_run(t, 1), CPU_STOP_BUDGET);
            CHECK_EQ(c->icount, (uint64_t)k + 1);
        }
        CHECK_EQ(c->eip, 0x2000);
        CHECK_EQ(tm_run(t, 5), CPU_STOP_BUDGET); /* cmp je dec jnz cmp: stops inside a pair */
        CHECK_EQ(c->eip, 0x2002);
        CHECK_EQ(c->icount, 9);
        CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
    }
    CHECK_EQ(c->icount, 16);   /* 3 passes of 4, mov, jmp, cmp, the handler's hlt */
    CHECK_EQ(c->eip, 0x4001);
    CHECK_EQ(tm_rd32(t, 0x90000 - 12), 0x2002); /* the Jcc faulted, not the CMP */
    CHECK_EQ(tm_rd32(t, 0x90000 - 16), 0);
    CHECK_EQ(c->gpr[R_ECX], 0);
    tm_free(t);
}

int main(void)
{
    run_smc(0);
    run_smc(1);
    run_smc_next();
    run_same_bytes();
    run_remap();
    run_edges();
    run_fused(0);
    run_fused(1);
    for (int w = 0; w < 2; w++) {
        run_flat_wrap(0, w);
        run_flat_wrap(1, w);
        run_flat_then_not(w);
    }
    return test_summary("test_cpu_dcache");
}
