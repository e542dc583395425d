/* Disassembly of guest code through Capstone, in the mode the code segment says. */
#ifndef PW_EMU_DISASM_H
#define PW_EMU_DISASM_H

#include <stddef.h>
#include <stdint.h>

/* Disassembles one instruction from code[0..len) at address addr in 16- or 32-bit mode.
 * Writes "mnemonic operands" into out and returns the instruction length, or 0 when the
 * bytes do not decode (out then says "(bad)"). */
int disasm_one(const uint8_t *code, size_t len, uint32_t addr, int bits, char *out, size_t outlen);

#endif
