#include "emu/symbols.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ELF32 layout (System V ABI, i386 supplement): only what a symbol table needs. */
struct elf32_ehdr {
    unsigned char ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf32_shdr {
    uint32_t name, type, flags, addr, offset, size, link, info, addralign, entsize;
};
struct elf32_sym {
    uint32_t name, value, size;
    unsigned char info, other;
    uint16_t shndx;
};
#define SHT_SYMTAB 2
#define STT_SECTION 3
#define STT_FILE 4

static int cmp_sym(const void *a, const void *b)
{
    const struct symbol *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int add_sym(struct symtab *t, size_t *cap, uint32_t addr, uint32_t size, const char *name)
{
    if (t->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        struct symbol *ns = realloc(t->sym, nc * sizeof *ns);
        if (!ns)
            return -1;
        t->sym = ns;
        *cap = nc;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    t->sym[t->n].addr = addr;
    t->sym[t->n].size = size;
    t->sym[t->n].name = copy;
    t->n++;
    return 0;
}

static int load_elf(struct symtab *t, const unsigned char *buf, size_t len, char *err, size_t errlen)
{
    struct elf32_ehdr eh;
    if (len < sizeof eh) {
        snprintf(err, errlen, "truncated ELF header");
        return -1;
    }
    memcpy(&eh, buf, sizeof eh);
    if (eh.ident[4] != 1 || eh.ident[5] != 1) {
        snprintf(err, errlen, "not a 32-bit little-endian ELF file");
        return -1;
    }
    if (eh.shentsize != sizeof(struct elf32_shdr) || (uint64_t)eh.shoff + (uint64_t)eh.shnum * eh.shentsize > len) {
        snprintf(err, errlen, "corrupt ELF section table");
        return -1;
    }
    size_t cap = 0;
    for (unsigned i = 0; i < eh.shnum; i++) {
        struct elf32_shdr sh;
        memcpy(&sh, buf + eh.shoff + (size_t)i * sizeof sh, sizeof sh);
        if (sh.type != SHT_SYMTAB)
            continue;
        if (sh.link >= eh.shnum) {
            snprintf(err, errlen, "corrupt ELF symbol table link");
            return -1;
        }
        struct elf32_shdr str;
        memcpy(&str, buf + eh.shoff + (size_t)sh.link * sizeof str, sizeof str);
        if ((uint64_t)sh.offset + sh.size > len || (uint64_t)str.offset + str.size > len) {
            snprintf(err, errlen, "corrupt ELF symbol table");
            return -1;
        }
        for (uint32_t off = 0; off + sizeof(struct elf32_sym) <= sh.size; off += sizeof(struct elf32_sym)) {
            struct elf32_sym s;
            memcpy(&s, buf + sh.offset + off, sizeof s);
            unsigned type = s.info & 0xF;
            if (s.name == 0 || s.name >= str.size || type == STT_SECTION || type == STT_FILE || s.shndx == 0)
                continue;
            const char *name = (const char *)buf + str.offset + s.name;
            if (!memchr(name, 0, str.size - s.name))
                continue;
            if (add_sym(t, &cap, s.value, s.size, name) < 0) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
        }
    }
    return 0;
}

static int load_map(struct symtab *t, const char *text, char *err, size_t errlen)
{
    size_t cap = 0;
    int line = 0;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t l = eol ? (size_t)(eol - p) : strlen(p);
        line++;
        char buf[512];
        if (l >= sizeof buf)
            l = sizeof buf - 1;
        memcpy(buf, p, l);
        buf[l] = 0;
        unsigned long addr;
        char type;
        char name[400];
        if (sscanf(buf, "%lx %c %399s", &addr, &type, name) == 3) {
            if (add_sym(t, &cap, (uint32_t)addr, 0, name) < 0) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
        } else if (buf[0] && buf[0] != '\r') {
            snprintf(err, errlen, "not an ELF file or System.map (line %d)", line);
            return -1;
        }
        p += eol ? (size_t)(eol - p) + 1 : l;
    }
    return 0;
}

int symtab_load(struct symtab *t, const char *path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open symbols '%s'", path);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (len <= 0 || len > (64L << 20)) {
        fclose(f);
        snprintf(err, errlen, "symbols '%s': empty or too large", path);
        return -1;
    }
    unsigned char *buf = malloc((size_t)len + 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        fclose(f);
        snprintf(err, errlen, "cannot read symbols '%s'", path);
        return -1;
    }
    fclose(f);
    buf[len] = 0;
    char why[160];
    int r = (len >= 4 && !memcmp(buf, "\177ELF", 4)) ? load_elf(t, buf, (size_t)len, why, sizeof why)
                                                     : load_map(t, (const char *)buf, why, sizeof why);
    free(buf);
    if (r == 0 && t->n == 0) {
        snprintf(why, sizeof why, "no symbols in it (not an ELF file with a symbol table or a System.map)");
        r = -1;
    }
    if (r < 0) {
        snprintf(err, errlen, "symbols '%s': %s", path, why);
        symtab_free(t);
        return -1;
    }
    qsort(t->sym, t->n, sizeof *t->sym, cmp_sym);
    return 0;
}

void symtab_free(struct symtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->sym[i].name);
    free(t->sym);
    memset(t, 0, sizeof *t);
}

int symtab_lookup(const struct symtab *t, const char *name, uint32_t *addr, uint32_t *size)
{
    for (size_t i = 0; i < t->n; i++) {
        if (!strcmp(t->sym[i].name, name)) {
            if (addr)
                *addr = t->sym[i].addr;
            if (size)
                *size = t->sym[i].size;
            return 0;
        }
    }
    return -1;
}

const struct symbol *symtab_find(const struct symtab *t, uint32_t addr, uint32_t *off)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) { /* first symbol with address > addr */
        size_t mid = (lo + hi) / 2;
        if (t->sym[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct symbol *s = &t->sym[lo - 1];
    if (off)
        *off = addr - s->addr;
    return s;
}
