/* "translate": the whole address-translation chain in words, for one address:
 * selector -> GDT/LDT descriptor -> linear -> PDE -> PTE -> physical, and what the TLB holds
 * for it (and whether that is stale). Reads only; changes nothing in the machine. */
#ifndef PW_EMU_TRANSLATE_H
#define PW_EMU_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"

/* Parses "SEL:OFFSET", "SREG:OFFSET" (cs:0x1000) or "LINEAR" (numbers in C syntax) and
 * prints the chain. Returns 0, or -1 with a one-line message on out for bad input. */
int translate_explain(struct cpu *c, const char *arg, FILE *out);
/* The PDE/PTE flag letters: "P RW US A D" style. */
void pte_bits_str(uint32_t e, char *buf, size_t len);

#endif
