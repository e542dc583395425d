/* Blocks of decoded instructions (cpu/dblock.h): the run loop checks a block's bytes once
 * on entry, so whatever can change them while it runs must bring the loop back to a check.
 * Each case here gives a result that a block running stale bytes would get wrong:
 *  - a page walk that sets the A bit of a page-table entry lying inside the running block
 *    (a page table that shares its frame with code);
 *  - a loop that rewrites the first byte of its own block with a dword store starting
 *    three bytes before the block (the edge of the watched range);
 *  - budgets that end inside a block (it runs instruction by instruction there), for every
 *    length from 1 to past its end;
 *  - a slow-path store (a page whose translation the TLB no longer holds) into the next
 *    instruction of the block;
 *  - a page fault in the third pass of a block that loops onto itself (where it restarts,
 *    what has retired);
 *  - a read miss that evicts the code page's TLB entry in the middle of a block;
 *  - a page the TLB holds for CPL 0, then read and written by the same records at CPL 3
 *    (the fast tables the records use are the running privilege's). */
#include "fixture.h"
#include "test.h"

/* Paging with the page table in the code's own frame: PDE 0 -> table at 0x5000, which
 * maps linear 0x5000 (the code), 0x45000 (data) and the stack. The dword at 0x5114 is
 * both the entry for 0x45000 and the immediate of the instruction at 0x5113: the read of
 * 0x45000 misses the TLB, the walk sets the entry's A bit, and the MOV after it must load
 * the value with A set. */
static void run_pte_in_block(void)
{
    struct tmach *t = tm_new(CPU_386);
    struct cpu *c = &t->cpu;
    const uint32_t pd = 0x10000, pt = 0x5000;
    for (uint32_t k = 0; k < 1024; k++)
        tm_wr32(t, pd + 4 * k, k == 0 ? pt | 3 : 0);
    tm_wr32(t, pt + 4 * 0x05, 0x5000 | 3);  /* the code (and this table) */
    tm_wr32(t, pt + 4 * 0x08, 0x8000 | 3);  /* GDT/IDT page of the fixture */
    tm_wr32(t, pt + 4 * 0x8F, 0x8F000 | 3); /* the stack */
    static const uint8_t code[] = {
        0x8B, 0x03, /* 5110 mov (%ebx),%eax: a TLB miss, the walk sets A at 0x5114 */
        0x90,       /* 5112 nop */
        0xB9,       /* 5113 mov $imm32,%ecx: the immediate is the entry for 0x45000 */
    };
    tm_load(t, 0x5110, code, sizeof code);
    tm_wr32(t, pt + 4 * 0x45, 0x45000 | 3); /* at 0x5114: present, writable, A clear */
    static const uint8_t hlt = 0xF4;
    tm_load(t, 0x5118, &hlt, 1);
    tm_flat32(t, 0x5110);
    tm_paging_on(t, pd);
    c->gpr[R_EBX] = 0x45000;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_ECX], 0x45000u | 3 | PTE_A);
    CHECK_EQ(c->icount, 4);
    tm_free(t);
}

/* A loop whose store's last byte is the first byte of the loop: B8 (mov $1,%eax) becomes
 * B9 (mov $1,%ecx) after the first pass. A first run stores B8 (no change) so that the
 * page's fast write slot is there: the second run's store takes the fast path, and only
 * the watched range (which starts three bytes before the block) can see it. */
static void run_store_before_block(void)
{
    static const uint8_t code[] = {
        0xB8, 0x01, 0x00, 0x00, 0x00,       /* 2010 mov $1,%eax -> mov $1,%ecx */
        0x01, 0xC6,                         /* 2015 add %eax,%esi */
        0x89, 0x15, 0x0D, 0x20, 0x00, 0x00, /* 2017 mov %edx,0x200d: byte 3 lands on 2010 */
        0x4F,                               /* 201D dec %edi */
        0x75, 0xF0,                         /* 201E jnz 2010 */
        0xF4,                               /* 2020 hlt */
    };
    struct tmach *t = tm_new(CPU_386);
    struct cpu *c = &t->cpu;
    tm_load(t, 0x2010, code, sizeof code);
    for (int run = 0; run < 2; run++) {
        tm_flat32(t, 0x2010);
        c->halted = false;
        c->gpr[R_EAX] = 0;
        c->gpr[R_ECX] = 0;
        c->gpr[R_ESI] = 0;
        c->gpr[R_EDI] = 3;
        c->gpr[R_EDX] = run ? 0xB9000000u : 0xB8000000u;
        uint64_t i0 = c->icount;
        CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
        CHECK_EQ(c->gpr[R_ECX], run ? 1u : 0u); /* passes 2 and 3 ran the new instruction */
        CHECK_EQ(c->gpr[R_ESI], 3);
        CHECK_EQ(c->icount - i0, 3 * 5 + 1);
    }
    tm_free(t);
}

/* Budgets that end anywhere in (and after) a straight block of 8 instructions. */
static void run_budget_inside(void)
{
    static const uint8_t code[] = {
        0x40,                               /* 2000 inc %eax */
        0x01, 0xC3,                         /* 2001 add %eax,%ebx */
        0x89, 0x1D, 0x00, 0x30, 0x00, 0x00, /* 2003 mov %ebx,0x3000 */
        0x40,                               /* 2009 inc %eax */
        0x8B, 0x0D, 0x00, 0x30, 0x00, 0x00, /* 200A mov 0x3000,%ecx */
        0x01, 0xC1,                         /* 2010 add %eax,%ecx */
        0x40,                               /* 2012 inc %eax */
        0x40,                               /* 2013 inc %eax */
        0xF4,                               /* 2014 hlt */
    };
    static const uint32_t eip_after[] = {0x2000, 0x2001, 0x2003, 0x2009, 0x200A,
                                         0x2010, 0x2012, 0x2013, 0x2014};
    for (unsigned budget = 1; budget <= 9; budget++) {
        struct tmach *t = tm_new(CPU_386);
        struct cpu *c = &t->cpu;
        tm_flat32(t, 0x2000);
        tm_load(t, 0x2000, code, sizeof code);
        /* a first full run leaves the block built: the budget then ends inside it */
        CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
        tm_flat32(t, 0x2000);
        c->halted = false;
        c->gpr[R_EAX] = c->gpr[R_EBX] = c->gpr[R_ECX] = 0;
        uint64_t i0 = c->icount;
        CHECK_EQ(tm_run(t, budget), CPU_STOP_BUDGET); /* (the HLT retires as the 9th) */
        CHECK_EQ(c->halted, budget == 9);
        CHECK_EQ(c->icount - i0, budget);
        CHECK_EQ(c->eip, budget < 9 ? eip_after[budget] : 0x2015u);
        if (budget >= 6)
            CHECK_EQ(c->gpr[R_ECX], 3); /* 1 + 2: the stored EBX, read back */
        tm_free(t);
    }
}

/* A store through the slow path (its page's translation was flushed, so the access walks)
 * into the instruction right after it, in the same block. */
static void run_slow_store_into_block(void)
{
    struct tmach *t = tm_new(CPU_386);
    struct cpu *c = &t->cpu;
    const uint32_t pd = 0x10000, pt = 0x11000;
    tm_identity_tables(t, pd, pt);
    /* linear 0x7000 is a second mapping of the code frame 0x6000 */
    tm_wr32(t, pt + 4 * 7, 0x6000 | 3);
    static const uint8_t code[] = {
        0xC6, 0x05, 0x08, 0x70, 0x00, 0x00, 0x07, /* 6000 movb $7,0x7008 (= 0x6008) */
        0xB0, 0x01,                               /* 6007 mov $1,%al (imm patched to 7) */
        0xF4,                                     /* 6009 hlt */
    };
    for (int pass = 0; pass < 2; pass++) {
        tm_load(t, 0x6000, code, sizeof code);
        tm_flat32(t, 0x6000);
        tm_paging_on(t, pd); /* (a CR3 load: every access walks again) */
        c->halted = false;
        c->gpr[R_EAX] = 0;
        CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
        CHECK_EQ(c->gpr[R_EAX] & 0xFF, 7);
    }
    tm_free(t);
}

/* A 386 about to run code at 'at' in flat 32-bit mode, paging on with the first 4 MiB
 * mapped one to one (directory PAGED_PD, table PAGED_PT), under TLB configuration cfg (NULL:
 * the default). Nothing has been translated yet, so entries may still be changed. */
#define PAGED_PD 0x10000u
#define PAGED_PT 0x11000u
static struct tmach *paged_at(uint32_t at, const uint8_t *code, size_t n,
                              const struct mmu_tlb_config *cfg)
{
    struct tmach *t = tm_new(CPU_386);
    tm_identity_tables(t, PAGED_PD, PAGED_PT);
    tm_load(t, at, code, n);
    if (cfg)
        CHECK_EQ(mmu_set_tlb_config(&t->mmu, cfg), 0);
    tm_flat32(t, at);
    tm_paging_on(t, PAGED_PD);
    return t;
}

/* With --tlb off every fetch walks the tables once (no entry, so no window): the run
 * loop must not translate the code page on its own before handing the instruction to the
 * interpreter, which would count a second walk per instruction. */
static void run_tlb_off_walks(void)
{
    static const uint8_t code[] = {
        0x90, 0x90, 0x90,                   /* 2000 nop x3 */
        0x8B, 0x0D, 0x00, 0x30, 0x00, 0x00, /* 2003 mov 0x3000,%ecx */
        0xF4,                               /* 2009 hlt */
    };
    const struct mmu_tlb_config off = {.mode = TLB_OFF};
    struct tmach *t = paged_at(0x2000, code, sizeof code, &off);
    uint64_t w0 = mmu_stats(&t->mmu).walks;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(mmu_stats(&t->mmu).walks - w0, 5 + 1); /* five fetches, one read */
    tm_free(t);
}

/* A read miss inside a block that evicts the code page's entry: the next instruction's
 * fetch misses and refills it before the following read, as single steps would. A one-set
 * FIFO TLB makes the victims certain: code, p0, p1, p2 fill ways 0-3; p3 takes the code
 * page's way 0; the refetch then takes p0's way 1, and p4 p1's way 2. A loop that ran on
 * (missing the eviction) would give p4 way 1 and the code way 2. */
static void run_code_evicted_in_block(void)
{
    static const uint8_t code[] = {
        0x8B, 0x03,                         /* 2000 mov (%ebx),%eax        p0 0x40000 */
        0x8B, 0x83, 0x00, 0x10, 0x00, 0x00, /* 2002 mov 0x1000(%ebx),%eax  p1 */
        0x8B, 0x83, 0x00, 0x20, 0x00, 0x00, /* 2008 mov 0x2000(%ebx),%eax  p2 */
        0x8B, 0x83, 0x00, 0x30, 0x00, 0x00, /* 200E mov 0x3000(%ebx),%eax  p3 */
        0x8B, 0x83, 0x00, 0x40, 0x00, 0x00, /* 2014 mov 0x4000(%ebx),%eax  p4 */
        0xF4,                               /* 201A hlt */
    };
    const struct mmu_tlb_config fifo = {.mode = TLB_SETASSOC, .sets = 1, .ways = 4,
                                        .policy = TLB_FIFO};
    struct tmach *t = paged_at(0x2000, code, sizeof code, &fifo);
    /* A already set, so that no walk writes (the common miss path's case) */
    tm_wr32(t, PAGED_PD, PAGED_PT | 3 | PTE_A);
    tm_wr32(t, PAGED_PT + 4 * 0x02, 0x2000 | 3 | PTE_A);
    for (uint32_t k = 0x40; k <= 0x44; k++)
        tm_wr32(t, PAGED_PT + 4 * k, k << 12 | 3 | PTE_A);
    t->cpu.gpr[R_EBX] = 0x40000;
    uint64_t q0 = t->mmu.q_count;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK(t->mmu.q_count - q0 >= 5); /* the reads took the MMU's common miss path */
    const struct mmu_tlb_entry *code_e = mmu_tlb_peek(&t->mmu, 0x2000);
    const struct mmu_tlb_entry *p4 = mmu_tlb_peek(&t->mmu, 0x44000);
    CHECK(code_e != NULL && p4 != NULL);
    if (code_e && p4) {
        CHECK_EQ(code_e - t->mmu.tlb, 1);
        CHECK_EQ(p4 - t->mmu.tlb, 2);
    }
    tm_free(t);
}

/* A page fault in a later pass of a loop that runs as one block looping onto itself: the
 * faulting read restarts where it is (the frame's EIP) and everything before it has
 * retired, pass after pass (a record sets insn_eip and icount only off the fast path, from
 * the block's start, which each pass moves on). The loop ends in a fused DEC/JNZ, then in
 * a SUB and a JNZ of its own (the other way back to the block's start). Pages 0x40000 and
 * 0x41000 are there, 0x42000 is not. */
static void run_fault_in_loop(void)
{
    static const uint8_t fused[] = {
        0x8B, 0x03,                         /* 2010 mov (%ebx),%eax */
        0x81, 0xC3, 0x00, 0x10, 0x00, 0x00, /* 2012 add $0x1000,%ebx */
        0x49,                               /* 2018 dec %ecx */
        0x75, 0xF5,                         /* 2019 jnz 2010 */
        0xF4,                               /* 201B hlt */
    };
    static const uint8_t apart[] = {
        0x8B, 0x03,                         /* 2010 mov (%ebx),%eax */
        0x81, 0xC3, 0x00, 0x10, 0x00, 0x00, /* 2012 add $0x1000,%ebx */
        0x83, 0xE9, 0x01,                   /* 2018 sub $1,%ecx */
        0x75, 0xF3,                         /* 201B jnz 2010 */
        0xF4,                               /* 201D hlt */
    };
    static const uint8_t handler = 0xF4; /* hlt */
    for (int v = 0; v < 2; v++) {
        struct tmach *t = v == 0 ? paged_at(0x2010, fused, sizeof fused, NULL)
                                 : paged_at(0x2010, apart, sizeof apart, NULL);
        struct cpu *c = &t->cpu;
        tm_wr32(t, PAGED_PT + 4 * 0x42, 0); /* 0x42000 not present */
        tm_load(t, 0x3000, &handler, 1);
        tm_set_gate(t, EXC_PF, 0x3000);
        c->gpr[R_EBX] = 0x40000;
        c->gpr[R_ECX] = 10;
        uint64_t i0 = c->icount;
        CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
        CHECK_EQ(c->eip, 0x3001u);
        CHECK_EQ(c->cr2, 0x42000u);
        uint32_t esp = c->gpr[R_ESP];
        CHECK_EQ(tm_rd32(t, esp), 0u);          /* error code: not present, read, CPL 0 */
        CHECK_EQ(tm_rd32(t, esp + 4), 0x2010u); /* the faulting MOV */
        CHECK_EQ(c->gpr[R_ECX], 8);
        CHECK_EQ(c->icount - i0, 2 * 4 + 1);    /* two passes, then the handler's HLT */
        tm_free(t);
    }
}

/* The same load and store at CPL 0, then at CPL 3, on a page that only the supervisor may
 * read (v 0) or write (v 1). The CPL 0 pass leaves the page in the TLB and in the
 * supervisor's fast slots; at CPL 3 the record must not use those: #PF with U set in the
 * error code (386 manual 5.2.4), the register or the page unchanged. */
static void run_user_after_supervisor(void)
{
    static const uint8_t code[] = {
        0x90,             /* 2000 nop (the first instruction after the switch to CPL 3 is
                             not a block's: it reopens the fetch window) */
        0x8B, 0x16,       /* 2001 mov (%esi),%edx   a user page: DS's checks are learnt */
        0x8B, 0x03,       /* 2003 mov (%ebx),%eax   (v 1: nop; nop) */
        0x89, 0x43, 0x04, /* 2005 mov %eax,4(%ebx) */
        0xEB, 0xFE,       /* 2008 jmp . (CPL 0 stops on the budget) */
    };
    const uint32_t tss = 0x7000, handler = 0x3000;
    for (int v = 0; v < 2; v++) {
        struct tmach *t = paged_at(0x2000, code, sizeof code, NULL);
        struct cpu *c = &t->cpu;
        if (v == 1)
            tm_load(t, 0x2003, (const uint8_t[]){0x90, 0x90}, 2);
        tm_wr32(t, PAGED_PD, PAGED_PT | 7);             /* user may, as far as the PDE goes */
        tm_wr32(t, PAGED_PT + 4 * 0x02, 0x2000 | 7);    /* code */
        tm_wr32(t, PAGED_PT + 4 * 0x6F, 0x6F000 | 7);   /* the CPL 3 stack */
        tm_wr32(t, PAGED_PT + 4 * 0x41, 0x41000 | 7);   /* (%esi) */
        tm_wr32(t, PAGED_PT + 4 * 0x40, v == 0 ? 0x40000 | 3 : 0x40000 | 5);
        tm_ring3_gdt(t, tss);
        tm_load(t, handler, (const uint8_t[]){0xF4}, 1);
        tm_set_gate(t, EXC_PF, handler);
        tm_wr32(t, 0x40000, 0x1234);
        c->gpr[R_EBX] = 0x40000;
        c->gpr[R_ESI] = 0x41000;
        c->gpr[R_EAX] = 0x5678;
        CHECK_EQ(tm_run(t, 10), CPU_STOP_BUDGET);
        CHECK(mmu_tlb_peek(&t->mmu, 0x40000) != NULL);
        uint32_t stored = v == 0 ? 0x1234u : 0x5678u;
        CHECK_EQ(tm_rd32(t, 0x40004), stored);
        c->gpr[R_EAX] = 0; /* (no write to guest memory here: it would empty the fast tables) */
        tm_enter_ring3(t, 0x70000);
        c->eip = 0x2000;
        CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
        CHECK_EQ(c->eip, handler + 1);
        CHECK_EQ(c->cr2, v == 0 ? 0x40000u : 0x40004u);
        uint32_t esp = c->gpr[R_ESP];
        CHECK_EQ(tm_rd32(t, esp), v == 0 ? 5u : 7u);     /* P, U; W for the store */
        CHECK_EQ(tm_rd32(t, esp + 4), v == 0 ? 0x2003u : 0x2005u);
        CHECK_EQ(c->gpr[R_EAX], 0u);
        CHECK_EQ(tm_rd32(t, 0x40004), stored);
        tm_free(t);
    }
}

int main(void)
{
    run_user_after_supervisor();
    run_code_evicted_in_block();
    run_fault_in_loop();
    run_tlb_off_walks();
    run_pte_in_block();
    run_store_before_block();
    run_budget_inside();
    run_slow_store_into_block();
    return test_summary("test_cpu_dblock");
}
