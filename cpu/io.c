/* I/O permission and IOPL-sensitive flag writes (386 manual chapter 8 "Input/Output",
 * 4.1.1 EFLAGS, POPF/IRET pages of chapter 17, 15.2 V86 sensitive instructions). */
#include "cpu/desc.h"

static unsigned iopl_of(const struct cpu *c)
{
    return (c->eflags >> 12) & 3u;
}

void cpu_check_io(struct cpu *c, uint16_t port, unsigned size)
{
    /* Real mode, or CPL <= IOPL outside V86: allowed without looking at the TSS
     * (386 manual 8.3). V86 always consults the bitmap (15.2.8.1). */
    if (!cpu_protected(c) || (!cpu_v86(c) && c->cpl <= iopl_of(c)))
        return;
    /* Only a 32-bit TSS has an I/O permission bitmap; its 16-bit base is at offset 0x66. */
    unsigned t = SEG_ATTR_TYPE(c->tr.attr);
    if (!c->tr.valid || (t != DT_TSS32 && t != DT_TSS32_BUSY) || c->tr.limit < 0x67)
        cpu_raise(c, EXC_GP, 0);
    uint32_t bm = lin_read16(c, c->tr.base + 0x66, false);
    uint32_t off = bm + (port >> 3);
    /* The processor reads two bitmap bytes for every check, so both must be inside the
     * TSS limit; a byte beyond it counts as "denied" (386 manual 8.3.2). */
    if (off + 1 > c->tr.limit)
        cpu_raise(c, EXC_GP, 0);
    uint32_t bits = lin_read16(c, c->tr.base + off, false);
    uint32_t want = ((1u << size) - 1u) << (port & 7u);
    if (bits & want)
        cpu_raise(c, EXC_GP, 0);
}

uint32_t cpu_flags_merge(struct cpu *c, uint32_t old, uint32_t val, uint32_t size_mask)
{
    uint32_t ch = FL_ARITH | FL_TF | FL_DF | FL_NT;
    if (c->model >= CPU_486)
        ch |= FL_AC;
    if (!cpu_protected(c)) {
        ch |= FL_IOPL | FL_IF;
    } else if (cpu_v86(c)) {
        /* V86 code runs at CPL 3: IOPL never changes; IF only with IOPL 3 */
        if (iopl_of(c) == 3)
            ch |= FL_IF;
    } else if (c->cpl == 0) {
        ch |= FL_IOPL | FL_IF;
    } else if (c->cpl <= iopl_of(c)) {
        ch |= FL_IF;
    }
    /* IOPL and IF silently keep their value when not writable (POPF page) */
    ch &= size_mask;
    return (old & ~ch) | (val & ch) | 0x2u;
}

void cpu_write_flags_checked(struct cpu *c, uint32_t val, uint32_t size_mask)
{
    /* POPF in V86 mode is IOPL-sensitive (386 manual 15.2.3) */
    if (cpu_v86(c) && iopl_of(c) < 3)
        cpu_raise(c, EXC_GP, 0);
    uint32_t old = cpu_get_eflags(c);
    /* POPF leaves VM and RF alone */
    cpu_set_eflags(c, cpu_flags_merge(c, old, val, size_mask));
}

void cpu_check_iopl(struct cpu *c)
{
    if (!cpu_protected(c))
        return;
    if (cpu_v86(c) ? iopl_of(c) < 3 : c->cpl > iopl_of(c))
        cpu_raise(c, EXC_GP, 0);
}
