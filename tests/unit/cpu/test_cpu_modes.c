/* Whole small programs: a real-mode snippet (stack, CALL/RET with an operand-size prefix,
 * INT through the IVT, IRET), a flat 32-bit protected-mode snippet, 16- and 32-bit ModRM/SIB
 * addressing with segment defaults and overrides, a real-mode limit fault, HLT woken by an
 * interrupt, and the interrupt shadow after STI. */
#include "fixture.h"
#include "snippets.h"

static struct tmach *t;

static void set_ivt(uint8_t vec, uint16_t seg, uint16_t off)
{
    tm_wr32(t, vec * 4u, (uint32_t)seg << 16 | off);
}

static void test_real_program(void)
{
    struct cpu *c = &t->cpu;
    tm_real(t, 0, 0x7C00);
    tm_load(t, 0x7C00, snip_real_prog, sizeof snip_real_prog);
    tm_load(t, 0x8000, snip_real_isr, sizeof snip_real_isr);
    set_ivt(0x21, 0, 0x8000);
    phys_write(&t->phys, 0x14, 2, 0);
    uint64_t ic = c->icount;
    CHECK_EQ(tm_run(t, 100), CPU_STOP_HALT);
    CHECK_EQ(c->icount - ic, 13u);
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, 0x1235u);
    CHECK_EQ(c->gpr[R_ECX] & 0xFFFF, 0x1234u);
    CHECK_EQ(c->gpr[R_EDX] & 0xFFFF, 0x55u);
    CHECK_EQ(phys_read(&t->phys, 0x14, 2), 0x1234u);
    CHECK_EQ(c->gpr[R_ESP], 0xFFF0u);
    CHECK_EQ(c->eip, 0x7C00u + 22);
    CHECK_EQ(c->seg[SEG_CS].sel, 0u);
}

static void test_flat_program(void)
{
    struct cpu *c = &t->cpu;
    tm_flat32(t, 0x1000);
    tm_load(t, 0x1000, snip_flat_prog, sizeof snip_flat_prog);
    uint64_t ic = c->icount;
    CHECK_EQ(tm_run(t, 1000), CPU_STOP_HALT);
    CHECK_EQ(c->icount - ic, 2u + 200 + 1 + 1 + 2 + 1);
    CHECK_EQ(tm_rd32(t, 0x2000), 5050u);
    CHECK_EQ(c->gpr[R_EAX], 15150u);
    CHECK_EQ(c->gpr[R_ECX], 0u);
    CHECK_EQ(c->gpr[R_ESP], 0x90000u);
}

static void test_decode32(void)
{
    struct cpu *c = &t->cpu;
    tm_flat32(t, 0x1000);
    tm_load(t, 0x1000, snip_decode32, sizeof snip_decode32);
    c->seg[SEG_FS].base = 0x10000;
    c->gpr[R_EBX] = 0x3000;
    c->gpr[R_ESI] = 2;
    tm_wr32(t, 0x3018, 0x11111111u);
    tm_wr32(t, 0x13000, 0x22222222u);
    tm_wr32(t, 0x3000, 0x33334444u);
    c->gpr[R_EAX] = 0xAAAA0000u;
    CHECK_EQ(tm_run(t, 2), CPU_STOP_BUDGET);
    CHECK_EQ(c->gpr[R_EAX], 0x11111111u);
    CHECK_EQ(c->gpr[R_EDX], 0x22222222u);
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_ECX], 0x3000u * 3 - 1);
    CHECK_EQ(c->gpr[R_EAX], 0x11114444u); /* 16-bit load keeps the upper half */
}

static void test_decode16(void)
{
    struct cpu *c = &t->cpu;
    tm_real(t, 0, 0x1000);
    tm_load(t, 0x1000, snip_decode16, sizeof snip_decode16);
    cpu_set_seg_raw(c, SEG_DS, 0x100);
    cpu_set_seg_raw(c, SEG_ES, 0x200);
    cpu_set_seg_raw(c, SEG_SS, 0x300);
    c->gpr[R_EBP] = 0x10;
    c->gpr[R_EDI] = 0x4;
    c->gpr[R_EBX] = 0x20;
    c->gpr[R_ESI] = 0x2;
    phys_write(&t->phys, 0x3012, 2, 0xAAAA);  /* SS:[bp+di-2] */
    phys_write(&t->phys, 0x2012, 2, 0xBBBB);  /* ES:[bp+di-2] */
    tm_wr32(t, 0x1022, 0xCCCCDDDDu);          /* DS:[bx+si], 32-bit operand */
    phys_write(&t->phys, 0x1024, 2, 0xEEEE);  /* DS:[ebx+4], 32-bit address */
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, 0xAAAAu);
    CHECK_EQ(c->gpr[R_EDX] & 0xFFFF, 0xBBBBu);
    CHECK_EQ(c->gpr[R_ECX], 0xEEEEDDDDu); /* its upper word is the one at 0x1024 */
    CHECK_EQ(c->gpr[R_EBX] & 0xFFFF, 0xEEEEu);
}

/* A word at DS:FFFF crosses the 64K limit: #GP in real mode, a fault (IP of the MOV). */
static void test_real_limit(void)
{
    struct cpu *c = &t->cpu;
    tm_real(t, 0, 0x1000);
    tm_load(t, 0x1000, snip_gp_limit, sizeof snip_gp_limit);
    tm_load(t, 0x8000, snip_de_handler, sizeof snip_de_handler);
    set_ivt(EXC_GP, 0, 0x8000);
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->eip, 0x8001u);
    CHECK_EQ(phys_read(&t->phys, c->gpr[R_ESP] & 0xFFFF, 2), 0x1000u);
}

/* STI holds interrupts off for one more instruction: the interrupt arrives after the first
 * NOP, so the handler sees the second NOP as the return address. */
static void test_sti_shadow(void)
{
    struct cpu *c = &t->cpu;
    tm_real(t, 0, 0x1000);
    tm_load(t, 0x1000, snip_sti_shadow, sizeof snip_sti_shadow);
    tm_load(t, 0x8000, snip_de_handler, sizeof snip_de_handler);
    set_ivt(0x08, 0, 0x8000);
    t->intr_vec = 0x08;
    cpu_set_intr(c, true);
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK_EQ(c->eip, 0x8001u);
    CHECK_EQ(phys_read(&t->phys, c->gpr[R_ESP] & 0xFFFF, 2), 0x1002u);
    cpu_set_intr(c, false);
}

/* HLT returns CPU_STOP_HALT until an interrupt arrives, which then wakes the CPU. */
static void test_hlt_wakeup(void)
{
    struct cpu *c = &t->cpu;
    tm_real(t, 0, 0x1003);
    tm_load(t, 0x1000, snip_sti_shadow, sizeof snip_sti_shadow); /* 1003: hlt */
    tm_load(t, 0x8000, snip_real_isr, sizeof snip_real_isr);
    set_ivt(0x08, 0, 0x8000);
    c->eflags |= FL_IF;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT);
    CHECK(c->halted);
    uint64_t ic = c->icount;
    CHECK_EQ(tm_run(t, 10), CPU_STOP_HALT); /* still nothing to do */
    CHECK_EQ(c->icount, ic);
    cpu_set_intr(c, true);
    CHECK_EQ(tm_run(t, 1), CPU_STOP_BUDGET); /* delivery, then MOV DX in the handler */
    cpu_set_intr(c, false);
    CHECK(!c->halted);
    CHECK_EQ(c->gpr[R_EDX] & 0xFFFF, 0x55u);
    CHECK_EQ(c->eip, 0x8003u);
}

int main(void)
{
    t = tm_new(CPU_386);
    test_real_program();
    test_flat_program();
    test_decode32();
    test_decode16();
    test_real_limit();
    test_sti_shadow();
    test_hlt_wakeup();
    tm_free(t);
    return test_summary("test_cpu_modes");
}
