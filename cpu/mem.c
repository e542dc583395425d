/* Memory access for the interpreter: raising faults, linear and segmented accesses with the
 * limit and rights checks of the Intel 386 manual (sections 6.3.1 "type checking" and 6.3.1.2
 * "limit checking"), and the stack. */
#include "cpu/decode.h"

_Noreturn void cpu_raise(struct cpu *c, int vec, uint32_t err)
{
    c->exc_vec = vec;
    c->exc_err = err;
    /* Faults restart the instruction; #DB traps and the software-interrupt traps report
     * the next one (386 manual 9.8, table 9-7). */
    if (vec != EXC_DB && vec != EXC_BP && vec != EXC_OF)
        c->eip = c->insn_eip;
    longjmp(*c->fault_jmp, 1);
}

_Noreturn void cpu_raise_pf(struct cpu *c)
{
    c->cr2 = c->mmu->fault.lin;
    cpu_raise(c, EXC_PF, c->mmu->fault.err);
}

uint8_t lin_read8(struct cpu *c, uint32_t lin, bool user)
{
    uint8_t v;
    if (!mmu_read8(c->mmu, lin, user, &v))
        cpu_raise_pf(c);
    return v;
}
uint16_t lin_read16(struct cpu *c, uint32_t lin, bool user)
{
    uint16_t v;
    if (!mmu_read16(c->mmu, lin, user, &v))
        cpu_raise_pf(c);
    return v;
}
uint32_t lin_read32(struct cpu *c, uint32_t lin, bool user)
{
    uint32_t v;
    if (!mmu_read32(c->mmu, lin, user, &v))
        cpu_raise_pf(c);
    return v;
}
void lin_write8(struct cpu *c, uint32_t lin, bool user, uint8_t v)
{
    if (!mmu_write8(c->mmu, lin, user, v))
        cpu_raise_pf(c);
}
void lin_write16(struct cpu *c, uint32_t lin, bool user, uint16_t v)
{
    if (!mmu_write16(c->mmu, lin, user, v))
        cpu_raise_pf(c);
}
void lin_write32(struct cpu *c, uint32_t lin, bool user, uint32_t v)
{
    if (!mmu_write32(c->mmu, lin, user, v))
        cpu_raise_pf(c);
}

/* The checks for an access of size bytes at sreg:off.
 *  - protected mode: a null selector faults; writes need a writable data segment, reads a
 *    data segment or a readable code segment (6.3.1);
 *  - expand-down data segments (type bit 2) allow offsets above the limit up to 64K-1 or
 *    4G-1 by the B bit (6.3.1.2);
 *  - the stack segment faults with #SS(0), all others with #GP(0) (9.8.12, 9.8.13).
 * Real and V86 mode check the limit only. */
uint32_t seg_check_slow(struct cpu *c, int sreg, uint32_t off, unsigned size, bool write)
{
    const struct cpu_seg *s = &c->seg[sreg];
    int vec = sreg == SEG_SS ? EXC_SS : EXC_GP;
    uint64_t last = (uint64_t)off + size - 1;
    uint16_t a = s->attr;

    if (c->pm_checks) {
        if (!s->valid)
            cpu_raise(c, vec, 0);
        if (write ? (a & 0xA) != 0x2 : (a & 0xA) == 0x8)
            cpu_raise(c, vec, 0);
    }
    if ((a & 0x1C) == 0x14) { /* S=1, data, expand-down */
        uint32_t upper = SEG_ATTR_DB(a) ? 0xFFFFFFFFu : 0xFFFFu;
        if (off <= s->limit || last > upper)
            cpu_raise(c, vec, 0);
    } else if (last > s->limit) {
        cpu_raise(c, vec, 0);
    }
    return s->base + off;
}

void cpu_alignment_check(struct cpu *c)
{
    /* Only the 486 checks, only at CPL 3, and only with CR0.AM set (486 manual, CR0.AM and
     * interrupt 17). The error code is 0; it is a fault. */
    if (c->model >= CPU_486 && (c->cr0 & CR0_AM) && c->cpl == 3)
        cpu_raise(c, EXC_AC, 0);
}

uint32_t seg_read(struct cpu *c, int sreg, uint32_t off, unsigned size)
{
    switch (size) {
    case 1: return mem_read8(c, sreg, off);
    case 2: return mem_read16(c, sreg, off);
    default: return mem_read32(c, sreg, off);
    }
}

void seg_write(struct cpu *c, int sreg, uint32_t off, unsigned size, uint32_t val)
{
    switch (size) {
    case 1: mem_write8(c, sreg, off, (uint8_t)val); break;
    case 2: mem_write16(c, sreg, off, (uint16_t)val); break;
    default: mem_write32(c, sreg, off, val); break;
    }
}

void mem_check_write(struct cpu *c, int sreg, uint32_t off, unsigned size)
{
    uint32_t lin = seg_lin(c, sreg, off, size, true);
    if (!mmu_check_write(c->mmu, lin, size, cpu_user(c)))
        cpu_raise_pf(c);
}

/* PUSH: the value is written below SP first and SP changes only when the write succeeded,
 * so a faulting push leaves ESP as it was. A 16-bit stack (SS.B=0) wraps SP within 64K and
 * keeps the upper half of ESP. */
void cpu_push(struct cpu *c, uint32_t val, unsigned size)
{
    uint32_t esp = c->gpr[R_ESP];
    if (stack32(c)) {
        esp -= size;
        seg_write(c, SEG_SS, esp, size, val);
        c->gpr[R_ESP] = esp;
    } else {
        uint16_t sp = (uint16_t)(esp - size);
        seg_write(c, SEG_SS, sp, size, val);
        set_r16(c, R_ESP, sp);
    }
}

uint32_t cpu_pop(struct cpu *c, unsigned size)
{
    uint32_t v;
    if (stack32(c)) {
        v = seg_read(c, SEG_SS, c->gpr[R_ESP], size);
        c->gpr[R_ESP] += size;
    } else {
        uint16_t sp = (uint16_t)c->gpr[R_ESP];
        v = seg_read(c, SEG_SS, sp, size);
        set_r16(c, R_ESP, (uint16_t)(sp + size));
    }
    return v;
}
