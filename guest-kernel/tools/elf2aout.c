/*
 * pw_elf2aout - turns a static i386 ELF linked at 0 (user/user.ld) into the kernel's
 * demand-loadable executable format (guest-kernel/ABI.md, "Executables"):
 *
 *   file offset 0      1024-byte header: a_magic 0x10B (ZMAGIC), a_text, a_data, a_bss,
 *                      a_syms 0, a_entry, a_trsize 0, a_drsize 0 (u32 LE), rest zero
 *   file offset 1024   the task image from address 0: text (a_text bytes, a multiple of
 *                      4096), then a_data bytes of data starting at address a_text
 *
 * So address A sits at file offset 1024 + A and a 4 KiB page is four whole file blocks.
 * Rules checked on the ELF: the first PT_LOAD starts at address 0 and has no bss of its own;
 * every later PT_LOAD starts at or above the page boundary after it (the data segment).
 *
 *   pw_elf2aout in.elf out
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096u
#define HEADER 1024u
#define ZMAGIC 0x10Bu
#define PT_LOAD 1u
#define EM_386 3u

static const char *prog_in;

static void die(const char *msg)
{
    fprintf(stderr, "pw_elf2aout: %s: %s\n", prog_in, msg);
    exit(1);
}

static uint32_t get16(const uint8_t *p) { return (uint32_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

struct seg { uint32_t off, vaddr, filesz, memsz; };

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: pw_elf2aout in.elf out\n");
        return 1;
    }
    prog_in = argv[1];
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        die("cannot open");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *elf = malloc(len > 0 ? (size_t)len : 1);
    if (!elf || len < 52 || fread(elf, 1, (size_t)len, f) != (size_t)len)
        die("cannot read");
    fclose(f);

    /* ELF32 header: ident (class 1 = 32-bit, data 1 = little-endian), e_type 2 = EXEC. */
    if (memcmp(elf, "\177ELF", 4) || elf[4] != 1 || elf[5] != 1)
        die("not a 32-bit little-endian ELF file");
    if (get16(elf + 16) != 2 || get16(elf + 18) != EM_386)
        die("not an i386 executable");
    uint32_t entry = get32(elf + 24), phoff = get32(elf + 28);
    uint32_t phentsize = get16(elf + 42), phnum = get16(elf + 44);

    struct seg segs[16];
    int nsegs = 0;
    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = elf + phoff + i * phentsize;
        if ((long)(phoff + (i + 1) * phentsize) > len)
            die("program headers past the end of the file");
        if (get32(ph) != PT_LOAD || get32(ph + 20) == 0)
            continue;
        if (nsegs == 16)
            die("too many PT_LOAD segments");
        struct seg s = { get32(ph + 4), get32(ph + 8), get32(ph + 16), get32(ph + 20) };
        if (s.filesz > s.memsz || (long)s.off + (long)s.filesz > len)
            die("bad PT_LOAD segment");
        int j = nsegs++;
        while (j > 0 && segs[j - 1].vaddr > s.vaddr) {   /* keep them sorted by address */
            segs[j] = segs[j - 1];
            j--;
        }
        segs[j] = s;
    }
    if (nsegs == 0 || segs[0].vaddr != 0)
        die("the first PT_LOAD segment must start at address 0 (link with user.ld)");
    if (segs[0].filesz != segs[0].memsz)
        die("the text segment has bss; put .bss after the page-aligned data");
    uint32_t a_text = (segs[0].memsz + PAGE - 1) / PAGE * PAGE;
    uint32_t file_end = a_text, mem_end = a_text;
    for (int i = 1; i < nsegs; i++) {
        if (segs[i].vaddr < a_text)
            die("a data segment overlaps the text pages");
        if (segs[i].filesz && segs[i].vaddr + segs[i].filesz > file_end)
            file_end = segs[i].vaddr + segs[i].filesz;
        if (segs[i].vaddr + segs[i].memsz > mem_end)
            mem_end = segs[i].vaddr + segs[i].memsz;
    }
    if (entry >= segs[0].memsz)
        die("entry point outside the text");
    uint32_t a_data = file_end - a_text, a_bss = mem_end - file_end;

    /* Image: zero-filled, then every segment's file bytes at its address (gaps stay 0,
     * which is what bss in a gap would hold anyway). */
    size_t out_len = HEADER + (size_t)file_end;
    uint8_t *out = calloc(out_len, 1);
    if (!out)
        die("out of memory");
    put32(out + 0, ZMAGIC);
    put32(out + 4, a_text);
    put32(out + 8, a_data);
    put32(out + 12, a_bss);
    put32(out + 20, entry);
    for (int i = 0; i < nsegs; i++)
        memcpy(out + HEADER + segs[i].vaddr, elf + segs[i].off, segs[i].filesz);

    f = fopen(argv[2], "wb");
    if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f))
        die("cannot write the output");
    return 0;
}
