/* Control and debug registers, LLDT/LTR, LAR/LSL/VERR/VERW (386 manual chapters 4, 6, 10
 * and the instruction pages of chapter 17; 486 manual for CR0.WP/NE/AM/NW/CD). */
#include "cpu/desc.h"

static void publish_cr(struct cpu *c, int n, uint32_t old, uint32_t val)
{
    if (PW_WANTS(c->events, PW_EV_CR_WRITE)) {
        struct pw_event ev = {.kind = PW_EV_CR_WRITE};
        ev.cr.cr = (uint8_t)n;
        ev.cr.old_val = old;
        ev.cr.new_val = val;
        pw_events_publish(c->events, &ev);
    }
}

/* CR0 bits each model implements. The 386 has PE MP EM TS ET PG; ET is software-writable
 * there (it tells a 287 from a 387). The 486 adds NE WP AM NW CD and hard-wires ET to 1
 * (486 manual 4.1). Other bits are reserved: ignored on write, read as 0. */
#define CR0_BITS_386 (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_PG)
#define CR0_BITS_486 (CR0_BITS_386 | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD)

static void write_cr0(struct cpu *c, uint32_t val)
{
    bool i486 = c->model >= CPU_486;
    val &= i486 ? CR0_BITS_486 : CR0_BITS_386;
    if (i486)
        val |= CR0_ET;
    /* PG without PE (and, on the 486, NW without CD) is #GP(0): MOV CR0 pseudo-code */
    if ((val & CR0_PG) && !(val & CR0_PE))
        cpu_raise(c, EXC_GP, 0);
    if (i486 && (val & CR0_NW) && !(val & CR0_CD))
        cpu_raise(c, EXC_GP, 0);
    uint32_t old = c->cr0;
    c->cr0 = val;
    publish_cr(c, 0, old, val);
    if ((old ^ val) & (CR0_PG | CR0_WP))
        mmu_set_cr0(c->mmu, (val & CR0_PG) != 0, i486 && (val & CR0_WP));
    if ((old ^ val) & CR0_PE) {
        if (!(val & CR0_PE))
            c->cpl = 0;
        cpu_mode_changed(c);
    }
}

void cpu_write_cr(struct cpu *c, int n, uint32_t val)
{
    uint32_t old;
    switch (n) {
    case 0:
        write_cr0(c, val);
        return;
    case 2:
        old = c->cr2;
        c->cr2 = val;
        publish_cr(c, 2, old, val);
        return;
    case 3:
        /* the 386 keeps the page directory base only; the 486 adds PWT/PCD (bits 3, 4) */
        val &= c->model >= CPU_486 ? 0xFFFFF018u : 0xFFFFF000u;
        old = c->cr3;
        c->cr3 = val;
        publish_cr(c, 3, old, val);
        /* every MOV to CR3 flushes the TLB, even with the same value (386 manual 5.2.5) */
        mmu_set_cr3(c->mmu, val, PW_FLUSH_CR3);
        return;
    default:
        /* CR1, CR4 (neither the 386 nor the 486 has it), CR5-7: #UD */
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    }
}

uint32_t cpu_read_cr(struct cpu *c, int n)
{
    switch (n) {
    case 0: return c->cr0;
    case 2: return c->cr2;
    case 3: return c->cr3;
    default: cpu_raise(c, EXC_UD, CPU_NO_ERR);
    }
}

/* DR0-3 breakpoints, DR6 status, DR7 control: stored only. DR4/DR5 alias DR6/DR7 as on the
 * 386/486 (no CR4.DE on these models). */
void cpu_write_dr(struct cpu *c, int n, uint32_t val)
{
    if (n == 4 || n == 5)
        n += 2;
    c->dr[n & 7] = val;
}

uint32_t cpu_read_dr(struct cpu *c, int n)
{
    if (n == 4 || n == 5)
        n += 2;
    return c->dr[n & 7];
}

/* LLDT/LTR are protected-mode, CPL-0 instructions: #UD in real and V86 mode, #GP(0) above
 * ring 0 (the core may check first; the rules are the same). */
static void check_pm_cpl0(struct cpu *c)
{
    if (!cpu_protected(c) || cpu_v86(c))
        cpu_raise(c, EXC_UD, CPU_NO_ERR);
    if (c->cpl != 0)
        cpu_raise(c, EXC_GP, 0);
}

void cpu_lldt(struct cpu *c, uint16_t sel)
{
    check_pm_cpl0(c);
    if ((sel & 0xFFFCu) == 0) {
        cpu_seg_null(&c->ldtr, sel);
        return;
    }
    uint32_t err = sel & 0xFFFCu;
    if (sel & 4)
        cpu_raise(c, EXC_GP, err);
    struct cpu_desc d;
    cpu_desc_read_or_raise(c, sel, &d, EXC_GP, 0);
    if (desc_s(&d) || desc_type(&d) != DT_LDT)
        cpu_raise(c, EXC_GP, err);
    if (!desc_p(&d))
        cpu_raise(c, EXC_NP, err);
    cpu_seg_from_desc(&c->ldtr, sel, &d);
}

void cpu_ltr(struct cpu *c, uint16_t sel)
{
    check_pm_cpl0(c);
    uint32_t err = sel & 0xFFFCu;
    if (err == 0)
        cpu_raise(c, EXC_GP, 0);
    if (sel & 4)
        cpu_raise(c, EXC_GP, err);
    struct cpu_desc d;
    cpu_desc_read_or_raise(c, sel, &d, EXC_GP, 0);
    unsigned t = desc_type(&d);
    if (desc_s(&d) || (t != DT_TSS16 && t != DT_TSS32))
        cpu_raise(c, EXC_GP, err);
    if (!desc_p(&d))
        cpu_raise(c, EXC_NP, err);
    d.hi |= 0x200u; /* busy */
    cpu_desc_write_type(c, sel, &d);
    cpu_seg_from_desc(&c->tr, sel, &d);
}

/* Common part of LAR/LSL/VERR/VERW: fetches the descriptor and applies the privilege rule
 * (DPL >= CPL and DPL >= RPL, except conforming code). Faults only on #PF of the table. */
static bool probe_desc(struct cpu *c, uint16_t sel, struct cpu_desc *d)
{
    if ((sel & 0xFFFCu) == 0 || !cpu_desc_read(c, sel, d))
        return false;
    if (desc_conforming(d))
        return true;
    unsigned dpl = desc_dpl(d);
    return dpl >= c->cpl && dpl >= (sel & 3u);
}

bool cpu_lar(struct cpu *c, uint16_t sel, uint32_t *out)
{
    struct cpu_desc d;
    if (!probe_desc(c, sel, &d))
        return false;
    if (!desc_s(&d)) {
        /* valid system types: TSSs (available and busy), LDT, call and task gates
         * (LAR page, 386 manual chapter 17); interrupt/trap gates are not */
        switch (desc_type(&d)) {
        case DT_TSS16: case DT_LDT: case DT_TSS16_BUSY: case DT_CALL16: case DT_TASK:
        case DT_TSS32: case DT_TSS32_BUSY: case DT_CALL32:
            break;
        default:
            return false;
        }
    }
    *out = d.hi & 0x00F0FF00u;
    return true;
}

bool cpu_lsl(struct cpu *c, uint16_t sel, uint32_t *out)
{
    struct cpu_desc d;
    if (!probe_desc(c, sel, &d))
        return false;
    if (!desc_s(&d)) {
        switch (desc_type(&d)) {
        case DT_TSS16: case DT_LDT: case DT_TSS16_BUSY: case DT_TSS32: case DT_TSS32_BUSY:
            break;
        default: /* gates have no limit */
            return false;
        }
    }
    *out = desc_limit(&d);
    return true;
}

bool cpu_verr(struct cpu *c, uint16_t sel)
{
    struct cpu_desc d;
    if (!probe_desc(c, sel, &d))
        return false;
    return desc_s(&d) && desc_readable(&d);
}

bool cpu_verw(struct cpu *c, uint16_t sel)
{
    struct cpu_desc d;
    if (!probe_desc(c, sel, &d))
        return false;
    return desc_writable_data(&d);
}
