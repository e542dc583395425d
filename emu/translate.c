#include "emu/translate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpu/names.h"
#include "mmu/mmu.h"

void pte_bits_str(uint32_t e, char *buf, size_t len)
{
    if (!(e & PTE_P)) {
        snprintf(buf, len, e ? "not present (0x%08x)" : "not present", e);
        return;
    }
    snprintf(buf, len, "%s %s %s%s%s%s%s", (e & PTE_P) ? "P" : "not-present", (e & PTE_RW) ? "RW" : "RO",
             (e & PTE_US) ? "user" : "supervisor", (e & PTE_A) ? " A" : "", (e & PTE_D) ? " D" : "",
             (e & PTE_PCD) ? " PCD" : "", (e & PTE_PWT) ? " PWT" : "");
}

static const char *const sys_types[16] = {
    "reserved", "16-bit TSS (available)", "LDT", "16-bit TSS (busy)", "16-bit call gate",
    "task gate", "16-bit interrupt gate", "16-bit trap gate", "reserved",
    "32-bit TSS (available)", "reserved", "32-bit TSS (busy)", "32-bit call gate", "reserved",
    "32-bit interrupt gate", "32-bit trap gate",
};

static void describe_type(uint32_t hi, char *buf, size_t len)
{
    unsigned type = (hi >> 8) & 0xF;
    if (!((hi >> 12) & 1)) {
        snprintf(buf, len, "%s", sys_types[type]);
    } else if (type & 8) {
        snprintf(buf, len, "code%s%s, %d-bit", (type & 2) ? " readable" : " execute-only",
                 (type & 4) ? " conforming" : "", (hi & (1u << 22)) ? 32 : 16);
    } else {
        snprintf(buf, len, "data %s%s, %d-bit", (type & 2) ? "read/write" : "read-only",
                 (type & 4) ? " expand-down" : "", (hi & (1u << 22)) ? 32 : 16);
    }
}

static int parse_sreg(const char *s)
{
    static const char *const names[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
    for (int i = 0; i < 6; i++)
        if (!strcasecmp(s, names[i]))
            return i;
    return -1;
}

static bool parse_num(const char *s, uint32_t *v)
{
    char *end;
    if (!*s)
        return false;
    unsigned long long x = strtoull(s, &end, 0);
    if (*end || x > 0xFFFFFFFFull)
        return false;
    *v = (uint32_t)x;
    return true;
}

/* Selector -> descriptor -> linear, in words. Returns false when the selector does not
 * lead to a usable segment (the reason printed). */
static bool explain_selector(struct cpu *c, uint16_t sel, uint32_t off, FILE *out, uint32_t *lin)
{
    unsigned index = sel >> 3, ti = (sel >> 2) & 1, rpl = sel & 3;
    fprintf(out, "  selector 0x%04x: index %u in the %s, RPL %u\n", sel, index, ti ? "LDT" : "GDT", rpl);
    if (!ti && index == 0) {
        fprintf(out, "  null selector: no segment (a memory access through it raises #GP(0))\n");
        return false;
    }
    uint32_t table = ti ? c->ldtr.base : c->gdtr.base;
    uint32_t limit = ti ? c->ldtr.limit : c->gdtr.limit;
    if (ti && !c->ldtr.valid) {
        fprintf(out, "  no LDT is loaded (LDTR 0x%04x)\n", c->ldtr.sel);
        return false;
    }
    if (index * 8u + 7 > limit) {
        fprintf(out, "  index %u is beyond the %s limit 0x%x: #GP(0x%x)\n", index, ti ? "LDT" : "GDT", limit,
                sel & ~3u);
        return false;
    }
    uint32_t d[2];
    if (!cpu_peek_lin(c, table + index * 8, d, 8)) {
        fprintf(out, "  the descriptor at linear 0x%08x is on a page that is not present\n", table + index * 8);
        return false;
    }
    uint32_t base = (d[0] >> 16) | ((d[1] & 0xFF) << 16) | (d[1] & 0xFF000000u);
    uint32_t lim = (d[0] & 0xFFFF) | (d[1] & 0xF0000);
    bool g = d[1] & (1u << 23);
    if (g)
        lim = (lim << 12) | 0xFFF;
    char type[64];
    describe_type(d[1], type, sizeof type);
    fprintf(out, "  %s descriptor at linear 0x%08x = %08x %08x\n", ti ? "LDT" : "GDT", table + index * 8, d[1], d[0]);
    fprintf(out, "    base 0x%08x, limit 0x%08x%s, %s, DPL %u, %s\n", base, lim, g ? " (4 KiB granular)" : "",
            type, (d[1] >> 13) & 3, (d[1] & (1u << 15)) ? "present" : "NOT PRESENT");
    if (!((d[1] >> 12) & 1)) {
        fprintf(out, "  a system descriptor is not a segment for memory accesses\n");
        return false;
    }
    bool expand_down = !(d[1] & 0x800) && (d[1] & 0x400);
    bool in_limit = expand_down ? off > lim : off <= lim;
    if (!in_limit)
        fprintf(out, "  offset 0x%08x is outside the limit: the access would raise #GP (or #SS)\n", off);
    *lin = base + off;
    fprintf(out, "  linear = base 0x%08x + offset 0x%08x = 0x%08x\n", base, off, *lin);
    return true;
}

static void explain_paging(struct cpu *c, uint32_t lin, FILE *out)
{
    struct mmu *m = c->mmu;
    if (!(c->cr0 & CR0_PG)) {
        fprintf(out, "  paging is off (CR0.PG=0): physical = linear = 0x%08x\n", phys_mask_a20(m->phys, lin));
        return;
    }
    uint32_t pdx = lin >> 22, ptx = (lin >> 12) & 0x3FF, offset = lin & 0xFFF;
    fprintf(out, "  linear 0x%08x = directory index %u | table index %u | offset 0x%03x\n", lin, pdx, ptx, offset);
    char bits[64];
    uint32_t pde_addr = (c->cr3 & PAGE_MASK) + pdx * 4;
    uint32_t pde = phys_read(m->phys, pde_addr, 4);
    pte_bits_str(pde, bits, sizeof bits);
    fprintf(out, "  CR3 0x%08x -> PDE[%u] at physical 0x%08x = 0x%08x  %s\n", c->cr3, pdx, pde_addr, pde, bits);
    if (!(pde & PTE_P)) {
        fprintf(out, "  the page table is not present: any access raises #PF (error code P=0)\n");
    } else {
        uint32_t pte_addr = (pde & PAGE_MASK) + ptx * 4;
        uint32_t pte = phys_read(m->phys, pte_addr, 4);
        pte_bits_str(pte, bits, sizeof bits);
        fprintf(out, "  page table at 0x%08x -> PTE[%u] at physical 0x%08x = 0x%08x  %s\n", pde & PAGE_MASK, ptx,
                pte_addr, pte, bits);
        if (!(pte & PTE_P)) {
            fprintf(out, "  the page is not present: any access raises #PF (error code P=0)\n");
        } else {
            uint32_t rights = pde & pte;
            fprintf(out, "  physical = frame 0x%08x + offset 0x%03x = 0x%08x\n", pte & PAGE_MASK, offset,
                    (pte & PAGE_MASK) + offset);
            fprintf(out, "  user code may %s; supervisor code may %s\n",
                    !(rights & PTE_US) ? "not touch it" : (rights & PTE_RW) ? "read and write" : "only read",
                    (rights & PTE_RW) || !m->wp ? "read and write" : "only read (CR0.WP=1)");
        }
    }
    const struct mmu_tlb_entry *e = mmu_tlb_peek(m, lin);
    if (!e) {
        fprintf(out, "  TLB: no entry for this page (the next access walks the tables)\n");
        return;
    }
    pte_bits_str(e->pte, bits, sizeof bits);
    fprintf(out, "  TLB: holds 0x%08x -> 0x%08x  %s", e->lin, mmu_tlb_entry_phys(e), bits);
    uint32_t phys, pde2, pte2;
    bool ok = mmu_probe(m, lin, PW_ACC_READ, false, &phys, &pde2, &pte2);
    uint32_t now_rights = pde2 & pte2 & (PTE_RW | PTE_US);
    if (!ok || (phys & PAGE_MASK) != mmu_tlb_entry_phys(e) || (e->pte & (PTE_RW | PTE_US)) != now_rights)
        fprintf(out, "\n  STALE: the tables now say %s; the CPU keeps using the cached entry until it is "
                     "invalidated (INVLPG, CR3 write)\n",
                ok ? "something else" : "not present");
    else
        fprintf(out, " (agrees with the tables)\n");
}

int translate_explain(struct cpu *c, const char *arg, FILE *out)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", arg ? arg : "");
    char *s = buf;
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    char *colon = strchr(s, ':');
    uint32_t lin;
    if (colon) {
        *colon = 0;
        uint32_t off, selv;
        int sreg = parse_sreg(s);
        if (!parse_num(colon + 1, &off) || (sreg < 0 && (!parse_num(s, &selv) || selv > 0xFFFF))) {
            fprintf(out, "translate: expected SEL:OFFSET, SREG:OFFSET or LINEAR, got '%s'\n", arg);
            return -1;
        }
        uint16_t sel = sreg >= 0 ? c->seg[sreg].sel : (uint16_t)selv;
        fprintf(out, "translate %s\n", arg);
        if (!cpu_protected(c) || cpu_v86(c)) {
            lin = (uint32_t)sel * 16 + off;
            fprintf(out, "  %s mode: linear = selector 0x%04x * 16 + offset 0x%x = 0x%08x\n",
                    cpu_v86(c) ? "virtual-8086" : "real", sel, off, lin);
        } else if (sreg >= 0) {
            /* The hidden descriptor cache is what the CPU uses, even if the table changed. */
            const struct cpu_seg *sg = &c->seg[sreg];
            fprintf(out, "  %s = 0x%04x, cached descriptor: base 0x%08x, limit 0x%08x%s\n", cpu_sreg_name(sreg),
                    sg->sel, sg->base, sg->limit, sg->valid ? "" : " (null: unusable)");
            lin = sg->base + off;
            fprintf(out, "  linear = base 0x%08x + offset 0x%08x = 0x%08x\n", sg->base, off, lin);
        } else if (!explain_selector(c, sel, off, out, &lin)) {
            return 0;
        }
    } else {
        if (!parse_num(s, &lin)) {
            fprintf(out, "translate: expected SEL:OFFSET, SREG:OFFSET or LINEAR, got '%s'\n", arg);
            return -1;
        }
        fprintf(out, "translate %s\n", s);
    }
    explain_paging(c, lin, out);
    return 0;
}
