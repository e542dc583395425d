/* Guest symbols: from an i386 ELF file's symbol table or from a System.map text file
 * ("c0100000 T startup_32" per line). Used to find the kernel's structures by name. */
#ifndef PW_EMU_SYMBOLS_H
#define PW_EMU_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct symbol {
    uint32_t addr;
    uint32_t size; /* 0 when unknown (System.map) */
    char *name;
};

struct symtab {
    struct symbol *sym; /* sorted by address */
    size_t n;
};

/* Loads ELF32 symbols or, when the file is not ELF, a System.map. Returns 0, or -1 with a
 * one-line reason in err. */
int symtab_load(struct symtab *t, const char *path, char *err, size_t errlen);
void symtab_free(struct symtab *t);
/* Exact name lookup: 0 when found (fills *addr, *size), -1 otherwise. */
int symtab_lookup(const struct symtab *t, const char *name, uint32_t *addr, uint32_t *size);
/* The symbol containing addr (or the nearest one below it); NULL when none. *off is
 * addr - symbol address. */
const struct symbol *symtab_find(const struct symtab *t, uint32_t addr, uint32_t *off);

#endif
