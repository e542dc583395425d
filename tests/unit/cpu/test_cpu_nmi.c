/* NMI: delivered through vector 2 at an instruction boundary, even with IF clear; a second
 * NMI arriving while its handler runs waits for the handler's IRET (386 manual 9.2.1). */
#include "fixture.h"
#include "test.h"

int main(void)
{
    struct tmach *t = tm_new(CPU_386);
    struct cpu *c = &t->cpu;
    tm_flat32(t, 0x2000);
    static const uint8_t main_loop[] = {0xEB, 0xFE};             /* jmp $ */
    static const uint8_t handler[] = {0x43, 0x90, 0xCF};          /* inc ebx; nop; iret */
    tm_load(t, 0x2000, main_loop, sizeof main_loop);
    tm_load(t, 0x3000, handler, sizeof handler);
    tm_set_gate(t, EXC_NMI, 0x3000);
    cpu_set_eflags(c, 0x2); /* IF clear: NMI is not maskable */
    c->gpr[R_EBX] = 0;

    cpu_raise_nmi(c);
    cpu_step(c); /* delivery */
    CHECK_EQ(c->eip, 0x3000);
    cpu_raise_nmi(c); /* a second NMI while the handler runs */
    cpu_step(c);      /* inc ebx */
    CHECK_EQ(c->eip, 0x3001);
    cpu_step(c);      /* nop: not interrupted by the second NMI */
    CHECK_EQ(c->eip, 0x3002);
    CHECK_EQ(c->gpr[R_EBX], 1);
    cpu_step(c);      /* iret back to the loop */
    CHECK_EQ(c->eip, 0x2000);
    cpu_step(c);      /* now the held NMI is taken */
    CHECK_EQ(c->eip, 0x3000);
    tm_run(t, 3);     /* inc, nop, iret */
    CHECK_EQ(c->gpr[R_EBX], 2);
    CHECK_EQ(c->eip, 0x2000);
    tm_run(t, 10);    /* nothing more pending: the loop spins */
    CHECK_EQ(c->eip, 0x2000);
    CHECK_EQ(c->gpr[R_EBX], 2);
    tm_free(t);
    return test_summary("test_cpu_nmi");
}
