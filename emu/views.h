/* The monitor's read-only views ("info ..."), one function each, printing to a FILE. They
 * read the machine through the public CPU/MMU interfaces and the guest introspection, and
 * change nothing (no A/D bits, no TLB state). */
#ifndef PW_EMU_VIEWS_H
#define PW_EMU_VIEWS_H

#include <stdio.h>

#include "cpu/cpu.h"
#include "emu/guest.h"
#include "emu/symbols.h"

void view_regs(struct cpu *c, const struct symtab *syms, FILE *out);
void view_cr(struct cpu *c, FILE *out);
/* GDT, LDT or IDT: every present entry decoded (max entries shown: limit) */
void view_gdt(struct cpu *c, FILE *out);
void view_ldt(struct cpu *c, FILE *out);
void view_idt(struct cpu *c, FILE *out);
void view_tss(struct cpu *c, FILE *out);
void view_tlb(struct cpu *c, FILE *out);
void view_tlbstats(struct cpu *c, FILE *out);
/* Page directory of the current CR3: present entries with bits and what they cover. */
void view_pagedir(struct cpu *c, FILE *out);
/* Page table behind directory entry n: present entries with bits. */
void view_pagetable(struct cpu *c, unsigned n, FILE *out);
/* mem_map as a grid (one character per page) plus totals. */
void view_memmap(struct guest *g, FILE *out);
void view_tasks(struct guest *g, FILE *out);
/* Hex dump: linear (phys=false) or physical. */
void view_dump(struct cpu *c, uint32_t addr, uint32_t len, bool phys, FILE *out);
/* Disassembles n instructions at cs-relative eip (or a linear address when lin=true). */
void view_disas(struct cpu *c, const struct symtab *syms, uint32_t addr, bool lin, int n, FILE *out);

#endif
