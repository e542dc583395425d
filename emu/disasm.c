#include "emu/disasm.h"

#include <capstone/capstone.h>
#include <stdio.h>

int disasm_one(const uint8_t *code, size_t len, uint32_t addr, int bits, char *out, size_t outlen)
{
    csh h;
    if (cs_open(CS_ARCH_X86, bits == 16 ? CS_MODE_16 : CS_MODE_32, &h) != CS_ERR_OK) {
        snprintf(out, outlen, "(no disassembler)");
        return 0;
    }
    cs_insn *insn = NULL;
    size_t n = cs_disasm(h, code, len, addr, 1, &insn);
    int ilen = 0;
    if (n == 1) {
        if (insn[0].op_str[0])
            snprintf(out, outlen, "%s %s", insn[0].mnemonic, insn[0].op_str);
        else
            snprintf(out, outlen, "%s", insn[0].mnemonic);
        ilen = (int)insn[0].size;
        cs_free(insn, n);
    } else {
        snprintf(out, outlen, "(bad)");
    }
    cs_close(&h);
    return ilen;
}
