#include <stdlib.h>
#include <string.h>

#include "emu/symbols.h"
#include "test.h"

int main(void)
{
    char err[200];
    struct symtab t;

    /* ELF: sizes come from the symbol table. */
    CHECK(symtab_load(&t, getenv("PW_SYMS_ELF"), err, sizeof err) == 0);
    uint32_t addr = 1, size = 0;
    CHECK(symtab_lookup(&t, "mem_map", &addr, &size) == 0);
    CHECK_EQ(size, 3840);
    CHECK(symtab_lookup(&t, "counter", NULL, &size) == 0);
    CHECK_EQ(size, 4);
    CHECK(symtab_lookup(&t, "helper", &addr, NULL) == 0);
    CHECK(symtab_lookup(&t, "no_such_symbol", NULL, NULL) == -1);
    symtab_free(&t);

    /* System.map: sorted, nearest-below lookup. */
    CHECK(symtab_load(&t, getenv("PW_SYMS_MAP"), err, sizeof err) == 0);
    CHECK_EQ(t.n, 5);
    CHECK(symtab_lookup(&t, "mem_map", &addr, NULL) == 0);
    CHECK_EQ(addr, 0x1d2c0);
    uint32_t off = 0;
    const struct symbol *s = symtab_find(&t, 0x1e1c8, &off);
    CHECK(s && !strcmp(s->name, "task"));
    CHECK_EQ(off, 8);
    s = symtab_find(&t, 0x4fff, &off);
    CHECK(s && !strcmp(s->name, "startup_32"));
    symtab_free(&t);

    /* Errors are one line, not a crash. */
    CHECK(symtab_load(&t, "/nonexistent/System.map", err, sizeof err) == -1);
    CHECK(strchr(err, '\n') == NULL);
    return test_summary("test_symbols");
}
