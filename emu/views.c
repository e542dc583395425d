#include "emu/views.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/names.h"
#include "emu/disasm.h"
#include "emu/translate.h"
#include "mmu/mmu.h"

static void flags_str(uint32_t f, char *b, size_t n)
{
    snprintf(b, n, "%s%s%s%s%s%s%s%s%s%s IOPL=%u%s%s", (f & FL_CF) ? " CF" : "", (f & FL_PF) ? " PF" : "",
             (f & FL_AF) ? " AF" : "", (f & FL_ZF) ? " ZF" : "", (f & FL_SF) ? " SF" : "", (f & FL_TF) ? " TF" : "",
             (f & FL_IF) ? " IF" : "", (f & FL_DF) ? " DF" : "", (f & FL_OF) ? " OF" : "", (f & FL_NT) ? " NT" : "",
             (f >> 12) & 3, (f & FL_RF) ? " RF" : "", (f & FL_VM) ? " VM" : "");
}

static const char *mode_name(const struct cpu *c)
{
    if (!cpu_protected(c))
        return "real mode";
    if (cpu_v86(c))
        return "virtual-8086 mode";
    return SEG_ATTR_DB(c->seg[SEG_CS].attr) ? "protected mode, 32-bit code" : "protected mode, 16-bit code";
}

void view_regs(struct cpu *c, const struct symtab *syms, FILE *out)
{
    uint32_t f = cpu_get_eflags(c);
    char fl[96];
    flags_str(f, fl, sizeof fl);
    fprintf(out, "eax %08x  ebx %08x  ecx %08x  edx %08x\n", c->gpr[R_EAX], c->gpr[R_EBX], c->gpr[R_ECX],
            c->gpr[R_EDX]);
    fprintf(out, "esi %08x  edi %08x  ebp %08x  esp %08x\n", c->gpr[R_ESI], c->gpr[R_EDI], c->gpr[R_EBP],
            c->gpr[R_ESP]);
    uint32_t off = 0;
    const struct symbol *s = syms ? symtab_find(syms, c->seg[SEG_CS].base + c->eip, &off) : NULL;
    if (s && off < 0x10000)
        fprintf(out, "eip %08x  <%s+0x%x>\n", c->eip, s->name, off);
    else
        fprintf(out, "eip %08x\n", c->eip);
    fprintf(out, "eflags %08x [%s ]\n", f, fl);
    for (int i = 0; i < 6; i++)
        fprintf(out, "%s %04x base %08x limit %08x attr %04x%s\n", cpu_sreg_name(i), c->seg[i].sel, c->seg[i].base,
                c->seg[i].limit, c->seg[i].attr, c->seg[i].valid || !cpu_protected(c) ? "" : " (null)");
    fprintf(out, "cpl %u, %s, icount %llu%s\n", c->cpl, mode_name(c), (unsigned long long)c->icount,
            c->halted ? ", halted" : "");
}

void view_cr(struct cpu *c, FILE *out)
{
    uint32_t v = c->cr0;
    fprintf(out, "cr0 %08x [%s%s%s%s%s%s%s%s%s%s%s ]\n", v, (v & CR0_PE) ? " PE" : "", (v & CR0_MP) ? " MP" : "",
            (v & CR0_EM) ? " EM" : "", (v & CR0_TS) ? " TS" : "", (v & CR0_ET) ? " ET" : "", (v & CR0_NE) ? " NE" : "",
            (v & CR0_WP) ? " WP" : "", (v & CR0_AM) ? " AM" : "", (v & CR0_NW) ? " NW" : "", (v & CR0_CD) ? " CD" : "",
            (v & CR0_PG) ? " PG" : "");
    fprintf(out, "cr2 %08x (last page-fault address)\n", c->cr2);
    fprintf(out, "cr3 %08x (page directory at physical 0x%08x)\n", c->cr3, c->cr3 & PAGE_MASK);
    if (c->model >= CPU_486)
        fprintf(out, "cr4 %08x\n", c->cr4);
    fprintf(out, "gdtr base %08x limit %04x   idtr base %08x limit %04x\n", c->gdtr.base, c->gdtr.limit,
            c->idtr.base, c->idtr.limit);
    fprintf(out, "ldtr %04x base %08x limit %08x   tr %04x base %08x limit %08x\n", c->ldtr.sel, c->ldtr.base,
            c->ldtr.limit, c->tr.sel, c->tr.base, c->tr.limit);
}

static const char *const sys_names[16] = {
    "reserved", "TSS16", "LDT", "TSS16 busy", "call gate 16", "task gate", "int gate 16", "trap gate 16",
    "reserved", "TSS32", "reserved", "TSS32 busy", "call gate 32", "reserved", "int gate 32", "trap gate 32",
};

static void print_desc(unsigned idx, uint32_t lo, uint32_t hi, bool gate_table, FILE *out)
{
    unsigned type = (hi >> 8) & 0xF, dpl = (hi >> 13) & 3;
    bool s = (hi >> 12) & 1, p = (hi >> 15) & 1;
    if (!s && (type == 4 || type == 5 || type == 6 || type == 7 || type >= 12)) {
        uint32_t off = (lo & 0xFFFF) | (hi & 0xFFFF0000u);
        fprintf(out, "  %3u  %-13s sel %04x off %08x dpl %u%s\n", idx, sys_names[type], lo >> 16,
                type == 5 ? 0 : off, dpl, p ? "" : " not-present");
        return;
    }
    if (gate_table) {
        fprintf(out, "  %3u  (not a gate: %08x %08x)\n", idx, hi, lo);
        return;
    }
    uint32_t base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
    uint32_t lim = (lo & 0xFFFF) | (hi & 0xF0000);
    if (hi & (1u << 23))
        lim = (lim << 12) | 0xFFF;
    const char *kind = !s ? sys_names[type] : (type & 8) ? ((type & 2) ? "code r" : "code x") : ((type & 2) ? "data rw" : "data ro");
    fprintf(out, "  %3u  sel %04x  %-10s base %08x limit %08x dpl %u %s%s\n", idx, idx * 8 | dpl, kind, base, lim,
            dpl, s ? ((hi & (1u << 22)) ? "32-bit" : "16-bit") : "", p ? "" : " not-present");
}

static void view_table(struct cpu *c, uint32_t base, uint32_t limit, bool gates, const char *name, FILE *out)
{
    unsigned n = (limit + 1) / 8;
    fprintf(out, "%s at linear %08x, %u entries\n", name, base, n);
    unsigned shown = 0;
    for (unsigned i = 0; i < n && i < 8192; i++) {
        uint32_t d[2];
        if (!cpu_peek_lin(c, base + i * 8, d, 8)) {
            fprintf(out, "  %3u  (page not present)\n", i);
            continue;
        }
        if (!(d[1] & (1u << 15)) && !d[0] && !d[1])
            continue;
        print_desc(i, d[0], d[1], gates, out);
        shown++;
    }
    if (!shown)
        fprintf(out, "  (no entries)\n");
}

void view_gdt(struct cpu *c, FILE *out) { view_table(c, c->gdtr.base, c->gdtr.limit, false, "GDT", out); }
void view_idt(struct cpu *c, FILE *out)
{
    if (!cpu_protected(c)) {
        fprintf(out, "real mode: the interrupt vector table is at linear %08x (4-byte seg:off vectors)\n",
                c->idtr.base);
        return;
    }
    view_table(c, c->idtr.base, c->idtr.limit, true, "IDT", out);
}
void view_ldt(struct cpu *c, FILE *out)
{
    if (!c->ldtr.valid || !c->ldtr.sel) {
        fprintf(out, "no LDT loaded\n");
        return;
    }
    view_table(c, c->ldtr.base, c->ldtr.limit, false, "LDT", out);
}

void view_tss(struct cpu *c, FILE *out)
{
    if (!c->tr.sel) {
        fprintf(out, "no task register loaded\n");
        return;
    }
    uint32_t t[26];
    if (!cpu_peek_lin(c, c->tr.base, t, sizeof t)) {
        fprintf(out, "TSS at %08x is not readable\n", c->tr.base);
        return;
    }
    fprintf(out, "TSS %04x at linear %08x (limit %x)\n", c->tr.sel, c->tr.base, c->tr.limit);
    fprintf(out, "  link %04x  esp0 %08x ss0 %04x  esp1 %08x ss1 %04x  esp2 %08x ss2 %04x\n", t[0] & 0xFFFF, t[1],
            t[2] & 0xFFFF, t[3], t[4] & 0xFFFF, t[5], t[6] & 0xFFFF);
    fprintf(out, "  cr3 %08x  eip %08x  eflags %08x\n", t[7], t[8], t[9]);
    fprintf(out, "  eax %08x ecx %08x edx %08x ebx %08x esp %08x ebp %08x esi %08x edi %08x\n", t[10], t[11],
            t[12], t[13], t[14], t[15], t[16], t[17]);
    fprintf(out, "  es %04x cs %04x ss %04x ds %04x fs %04x gs %04x ldt %04x iomap %04x%s\n", t[18] & 0xFFFF,
            t[19] & 0xFFFF, t[20] & 0xFFFF, t[21] & 0xFFFF, t[22] & 0xFFFF, t[23] & 0xFFFF, t[24] & 0xFFFF,
            t[25] >> 16, (t[25] & 1) ? " T" : "");
}

void view_tlb(struct cpu *c, FILE *out)
{
    struct mmu *m = c->mmu;
    const char *pol[] = {"LRU", "FIFO", "random", "pseudo-LRU"};
    if (m->cfg.mode == TLB_OFF) {
        fprintf(out, "TLB off: every access walks the page tables\n");
        return;
    }
    if (m->cfg.mode == TLB_IDEAL)
        fprintf(out, "TLB ideal (unbounded, never evicts)\n");
    else
        fprintf(out, "TLB %u sets x %u ways, %s\n", m->cfg.sets, m->cfg.ways, pol[m->cfg.policy]);
    unsigned valid = 0;
    char bits[64];
    for (unsigned i = 0; i < m->tlb_n; i++) {
        const struct mmu_tlb_entry *e = &m->tlb[i];
        if (!e->valid)
            continue;
        valid++;
        uint32_t phys, pde, pte;
        bool ok = mmu_probe(m, e->lin, PW_ACC_READ, false, &phys, &pde, &pte);
        bool stale = !ok || (phys & PAGE_MASK) != mmu_tlb_entry_phys(e) || ((pde & pte) & (PTE_RW | PTE_US)) != (e->pte & (PTE_RW | PTE_US));
        pte_bits_str(e->pte, bits, sizeof bits);
        if (m->cfg.mode == TLB_SETASSOC)
            fprintf(out, "  set %2u way %u  ", i / m->cfg.ways, i % m->cfg.ways);
        else
            fprintf(out, "  ");
        fprintf(out, "%08x -> %08x  %-28s%s\n", e->lin, mmu_tlb_entry_phys(e), bits, stale ? "  STALE (tables changed)" : "");
    }
    fprintf(out, "%u valid entries\n", valid);
}

void view_tlbstats(struct cpu *c, FILE *out)
{
    const struct mmu_tlb_stats st = mmu_stats(c->mmu), *s = &st;
    static const char *const causes[PW_FLUSH_NCAUSES] = {"CR3 write", "INVLPG", "task switch", "CR0", "CR4", "host"};
    double rate = s->lookups ? 100.0 * (double)s->hits / (double)s->lookups : 0;
    fprintf(out, "lookups %llu  hits %llu (%.2f%%)  misses %llu  walks %llu  fills %llu  evictions %llu\n",
            (unsigned long long)s->lookups, (unsigned long long)s->hits, rate, (unsigned long long)s->misses,
            (unsigned long long)s->walks, (unsigned long long)s->fills, (unsigned long long)s->evictions);
    for (int i = 0; i < PW_FLUSH_NCAUSES; i++)
        if (s->flushes[i])
            fprintf(out, "flushes by %-12s %llu (entries dropped %llu)\n", causes[i], (unsigned long long)s->flushes[i],
                    (unsigned long long)s->flushed[i]);
    fprintf(out, "page faults %llu  stale uses %llu%s\n", (unsigned long long)s->page_faults,
            (unsigned long long)s->stale_uses, c->mmu->tlb_check ? "" : " (--tlb-check off: not looked for)");
}

void view_pagedir(struct cpu *c, FILE *out)
{
    struct phys *ph = c->mmu->phys;
    uint32_t pd = c->cr3 & PAGE_MASK;
    fprintf(out, "page directory at physical %08x%s\n", pd, (c->cr0 & CR0_PG) ? "" : " (paging is off)");
    char bits[64];
    unsigned n = 0;
    for (unsigned i = 0; i < 1024; i++) {
        uint32_t e = phys_read(ph, pd + 4 * i, 4);
        if (!(e & PTE_P))
            continue;
        unsigned present = 0;
        for (unsigned j = 0; j < 1024; j++)
            present += phys_read(ph, (e & PAGE_MASK) + 4 * j, 4) & PTE_P;
        pte_bits_str(e, bits, sizeof bits);
        fprintf(out, "  PDE %4u  %08x-%08x  table %08x  %-26s %4u pages present (task slot %u)\n", i, i << 22,
                (i << 22) + 0x3FFFFF, e & PAGE_MASK, bits, present, i / 16);
        n++;
    }
    fprintf(out, "%u present directory entries\n", n);
}

void view_pagetable(struct cpu *c, unsigned n, FILE *out)
{
    struct phys *ph = c->mmu->phys;
    if (n >= 1024) {
        fprintf(out, "pagetable: the directory has entries 0..1023\n");
        return;
    }
    uint32_t pde = phys_read(ph, (c->cr3 & PAGE_MASK) + 4 * n, 4);
    if (!(pde & PTE_P)) {
        fprintf(out, "PDE %u is not present (0x%08x)\n", n, pde);
        return;
    }
    char bits[64];
    fprintf(out, "page table %u at physical %08x, mapping %08x-%08x\n", n, pde & PAGE_MASK, n << 22,
            (n << 22) + 0x3FFFFF);
    unsigned shown = 0;
    for (unsigned j = 0; j < 1024; j++) {
        uint32_t e = phys_read(ph, (pde & PAGE_MASK) + 4 * j, 4);
        if (!(e & PTE_P))
            continue;
        pte_bits_str(e, bits, sizeof bits);
        fprintf(out, "  PTE %4u  %08x -> %08x  %s\n", j, (n << 22) | (j << 12), e & PAGE_MASK, bits);
        shown++;
    }
    fprintf(out, "%u present entries\n", shown);
}

void view_memmap(struct guest *g, FILE *out)
{
    if (!guest_refresh(g)) {
        fprintf(out, "memmap: %s\n", g->why);
        return;
    }
    uint32_t n = g->l.npages;
    uint16_t *cnt = calloc(n ? n : 1, sizeof *cnt);
    if (!cnt || guest_read_counts(g, cnt, n) != n) {
        fprintf(out, "memmap: %s\n", g->why);
        free(cnt);
        return;
    }
    unsigned nfree = 0, one = 0, shared = 0, used = 0;
    fprintf(out, "mem_map: %u pages from %08x ('.' free, '1'..'9' count, '+' more, '#' reserved)\n", n, g->l.low_mem);
    for (uint32_t i = 0; i < n; i++) {
        if (i % 64 == 0)
            fprintf(out, "%s%08x ", i ? "\n" : "", g->l.low_mem + (i << PAGE_SHIFT));
        uint16_t v = cnt[i];
        char ch = v == g->l.used_value ? '#' : v == 0 ? '.' : v < 10 ? (char)('0' + v) : '+';
        nfree += v == 0;
        one += v == 1;
        shared += v > 1 && v != g->l.used_value;
        used += v == g->l.used_value;
        fputc(ch, out);
    }
    fprintf(out, "\n%u free, %u used once, %u shared, %u reserved\n", nfree, one, shared, used);
    free(cnt);
}

void view_tasks(struct guest *g, FILE *out)
{
    struct guest_task t[64];
    int n = guest_read_tasks(g, t, 64);
    if (!n) {
        fprintf(out, "tasks: %s\n", g->why[0] ? g->why : "none");
        return;
    }
    fprintf(out, "slot  pid  ppid state  name             slot base  end_data    brk\n");
    for (int i = 0; i < n; i++)
        fprintf(out, "%4d %4d %5d %5d  %-16s %08x  %08x  %08x%s\n", t[i].slot, t[i].pid, t[i].ppid, t[i].state,
                t[i].comm[0] ? t[i].comm : "-", t[i].start_code, t[i].end_data, t[i].brk,
                t[i].current ? "  <- current" : "");
}

void view_dump(struct cpu *c, uint32_t addr, uint32_t len, bool phys, FILE *out)
{
    if (len > 4096)
        len = 4096;
    for (uint32_t o = 0; o < len; o += 16) {
        uint8_t b[16];
        bool ok[16];
        for (int i = 0; i < 16; i++) {
            if (phys) {
                b[i] = (uint8_t)phys_read(c->mmu->phys, addr + o + (uint32_t)i, 1);
                ok[i] = true;
            } else {
                ok[i] = cpu_peek_lin(c, addr + o + (uint32_t)i, &b[i], 1);
            }
        }
        fprintf(out, "%08x ", addr + o);
        for (int i = 0; i < 16 && o + (uint32_t)i < len; i++)
            ok[i] ? fprintf(out, " %02x", b[i]) : fprintf(out, " --");
        fprintf(out, "  ");
        for (int i = 0; i < 16 && o + (uint32_t)i < len; i++)
            fputc(ok[i] && b[i] >= 32 && b[i] < 127 ? b[i] : '.', out);
        fputc('\n', out);
    }
}

void view_disas(struct cpu *c, const struct symtab *syms, uint32_t addr, bool lin, int n, FILE *out)
{
    int bits = (cpu_protected(c) && !cpu_v86(c) && SEG_ATTR_DB(c->seg[SEG_CS].attr)) ? 32 : 16;
    uint32_t base = lin ? 0 : c->seg[SEG_CS].base;
    for (int k = 0; k < n; k++) {
        uint8_t code[16];
        int have = 0;
        while (have < 15 && cpu_peek_lin(c, base + addr + (uint32_t)have, &code[have], 1))
            have++;
        char text[96];
        int len = have ? disasm_one(code, (size_t)have, addr, bits, text, sizeof text) : 0;
        uint32_t off = 0;
        const struct symbol *s = syms ? symtab_find(syms, base + addr, &off) : NULL;
        if (s && off == 0)
            fprintf(out, "<%s>:\n", s->name);
        fprintf(out, "%s %08x  ", (base + addr == c->seg[SEG_CS].base + c->eip) ? "=>" : "  ", addr);
        if (!have) {
            fprintf(out, "(page not present)\n");
            return;
        }
        for (int i = 0; i < 8; i++)
            i < len ? fprintf(out, "%02x", code[i]) : fprintf(out, "  ");
        fprintf(out, "  %s\n", len ? text : "(bad)");
        addr += len ? (uint32_t)len : 1;
    }
}
