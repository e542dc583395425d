/* The 486 alignment check (#AC, vector 17): a misaligned data reference at CPL 3 with
 * CR0.AM and EFLAGS.AC set faults with error code 0; the 386, CR0.AM clear, CPL 0-2 or an
 * aligned reference do not. (i486 manual: CR0.AM, interrupt 17.) */
#include "fixture.h"
#include "test.h"

#define CODE 0x2000u
#define HANDLER 0x3000u
#define TSS 0x4000u
#define DATA 0x1000u

/* Ring-3 flat segments and a TSS for the stack switch (fixture.h: tm_ring3_gdt). */
static void setup(struct tmach *t, bool am, bool ac, bool ring3, uint32_t addr)
{
    struct cpu *c = &t->cpu;
    tm_flat32(t, CODE);
    tm_ring3_gdt(t, TSS);
    tm_set_gate(t, EXC_AC, HANDLER);
    /* mov eax, [addr]; jmp $ */
    uint8_t code[] = {0x8B, 0x05, (uint8_t)addr, (uint8_t)(addr >> 8), (uint8_t)(addr >> 16), (uint8_t)(addr >> 24),
                      0xEB, 0xFE};
    tm_load(t, CODE, code, sizeof code);
    uint8_t hlt = 0xF4;
    tm_load(t, HANDLER, &hlt, 1);
    tm_wr32(t, DATA, 0x44332211);
    tm_wr32(t, DATA + 4, 0x88776655);
    if (ring3)
        tm_enter_ring3(t, 0x70000);
    if (am)
        c->cr0 |= CR0_AM;
    cpu_set_eflags(c, 0x2 | (ac ? FL_AC : 0));
}

/* Runs a few instructions; true when #AC was taken (the handler's HLT reached). */
static bool took_ac(struct tmach *t)
{
    enum cpu_stop s = tm_run(t, 20);
    return s == CPU_STOP_HALT && t->cpu.eip == HANDLER + 1;
}

int main(void)
{
    struct tmach *t = tm_new(CPU_486);
    setup(t, true, true, true, DATA + 1);
    CHECK(took_ac(t));
    CHECK_EQ(t->cpu.cpl, 0);
    uint32_t esp = t->cpu.gpr[R_ESP];
    CHECK_EQ(tm_rd32(t, esp), 0);             /* error code 0 */
    CHECK_EQ(tm_rd32(t, esp + 4), CODE);      /* a fault: EIP of the mov itself */
    CHECK_EQ(tm_rd32(t, esp + 8) & 0xFFFF, 0x1B);
    CHECK(tm_rd32(t, esp + 12) & FL_AC);      /* EFLAGS as it was */
    CHECK_EQ(tm_rd32(t, esp + 16), 0x70000);  /* the ring-3 stack */
    CHECK_EQ(tm_rd32(t, esp + 20) & 0xFFFF, 0x23);
    CHECK(t->cpu.gpr[R_EAX] != 0x55443322);   /* the load did not happen */

    /* each condition missing: the load completes and the loop spins */
    struct { bool am, ac, ring3; uint32_t addr; const char *what; } no[] = {
        {false, true, true, DATA + 1, "CR0.AM clear"},
        {true, false, true, DATA + 1, "EFLAGS.AC clear"},
        {true, true, false, DATA + 1, "CPL 0"},
        {true, true, true, DATA + 4, "aligned"},
    };
    for (size_t k = 0; k < sizeof no / sizeof no[0]; k++) {
        setup(t, no[k].am, no[k].ac, no[k].ring3, no[k].addr);
        bool ac = took_ac(t);
        if (ac)
            fprintf(stderr, "unexpected #AC with %s\n", no[k].what);
        CHECK(!ac);
        CHECK_EQ(t->cpu.gpr[R_EAX], no[k].addr == DATA + 1 ? 0x55443322u : 0x88776655u);
    }
    tm_free(t);

    /* the 386 has no alignment check */
    t = tm_new(CPU_386);
    setup(t, true, true, true, DATA + 1);
    CHECK(!took_ac(t));
    CHECK_EQ(t->cpu.gpr[R_EAX], 0x55443322u);
    tm_free(t);
    return test_summary("test_cpu_ac");
}
