/*
 * pw_fsck - checks a boot disk made by pw_mkdisk against guest-kernel/ABI.md and reads its
 * file system back.
 *
 *   pw_fsck [-l] disk.img [/dest/path=host_file ...]
 *
 * Checks: boot signature; partition 1 of type 0x81 whose start matches the patched field at
 * 0x1B4 and which ends at the end of the image; whole cylinders of 16x63; the CMDLINE:
 * block; the MINIX file system (mfs_check); every /bin file is a valid executable header
 * (ZMAGIC, page-multiple text, file size = 1024 + text + data); each named file reads back
 * byte for byte equal to the host file. -l lists the tree. Exit 0 only when all hold.
 */
#include "disklayout.h"
#include "minixfs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int errors;

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pw_fsck: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    errors++;
}

static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)len;
    return buf;
}

static uint32_t get16(const uint8_t *p) { return (uint32_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }

/* Every regular file in /bin must carry a sane executable header. */
static void check_executables(const struct mfs_reader *r)
{
    uint32_t bin = mfs_lookup(r, "/bin");
    struct mfs_inode dir;
    if (!bin || mfs_read_inode(r, bin, &dir))
        return;
    uint8_t e[16];
    for (uint32_t off = 0; off + 16 <= dir.size; off += 16) {
        if (mfs_read(r, &dir, off, e, 16) != 16 || !get16(e) || e[2] == '.')
            continue;
        char name[15] = { 0 };
        memcpy(name, e + 2, 14);
        struct mfs_inode in;
        uint8_t h[32];
        if (mfs_read_inode(r, get16(e), &in) || (in.mode & MFS_S_IFMT) != MFS_S_IFREG)
            continue;
        if (mfs_read(r, &in, 0, h, 32) != 32 || get32(h) != 0x10B) {
            bad("/bin/%s: not a ZMAGIC executable", name);
            continue;
        }
        uint32_t text = get32(h + 4), data = get32(h + 8), entry = get32(h + 20);
        if (text % 4096 || text == 0)
            bad("/bin/%s: a_text %u is not a positive multiple of 4096", name, text);
        if (in.size != 1024 + text + data)
            bad("/bin/%s: file size %u is not 1024 + a_text + a_data", name, in.size);
        if (entry >= text)
            bad("/bin/%s: entry 0x%x outside the text", name, entry);
    }
}

int main(int argc, char **argv)
{
    int listing = 0, a = 1;
    if (a < argc && !strcmp(argv[a], "-l"))
        listing = 1, a++;
    if (a >= argc) {
        fprintf(stderr, "usage: pw_fsck [-l] disk.img [/dest=host_file ...]\n");
        return 2;
    }
    size_t size;
    uint8_t *disk = slurp(argv[a], &size);
    if (!disk) {
        fprintf(stderr, "pw_fsck: %s: cannot read\n", argv[a]);
        return 1;
    }
    if (size < 2 * DISK_SECTOR || size % (DISK_CYL_SECTORS * DISK_SECTOR))
        bad("%s: size %zu is not whole cylinders of 16x63 sectors", argv[a], size);
    if (disk[0x1FE] != 0x55 || disk[0x1FF] != 0xAA)
        bad("%s: no 0xAA55 boot signature", argv[a]);
    if (memcmp(disk + DISK_CMDLINE_LBA * DISK_SECTOR, DISK_CMDLINE_MAGIC, 8))
        bad("%s: LBA 1 lacks the CMDLINE: magic", argv[a]);
    const uint8_t *pe = disk + DISK_OFF_PTABLE;
    uint32_t part = get32(disk + DISK_OFF_PART_LBA), start = get32(pe + 8), len = get32(pe + 12);
    uint32_t setup = get16(disk + DISK_OFF_SETUP_SECTS), kernel = get16(disk + DISK_OFF_KERNEL_SECTS);
    if (pe[4] != DISK_PART_MINIX)
        bad("%s: partition 1 type 0x%02x, want 0x81", argv[a], pe[4]);
    if (start != part)
        bad("%s: partition 1 starts at %u, the boot sector field says otherwise", argv[a], start);
    if (DISK_SETUP_LBA + setup + kernel > part || !setup || !kernel)
        bad("%s: setup + kernel (%u sectors) overlap the file system", argv[a], setup + kernel);
    if ((size_t)(start + len) * DISK_SECTOR != size)
        bad("%s: partition 1 does not end at the end of the image (%u sectors)", argv[a], start + len);
    if (errors || (size_t)part * DISK_SECTOR >= size)
        return 1;

    struct mfs_reader r;
    char err[256];
    if (mfs_open(&r, disk + (size_t)part * DISK_SECTOR, size - (size_t)part * DISK_SECTOR, err, sizeof err)) {
        fprintf(stderr, "pw_fsck: %s: %s\n", argv[a], err);
        return 1;
    }
    errors += mfs_check(&r, listing);
    check_executables(&r);
    for (int i = a + 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            bad("%s: want /dest=host_file", argv[i]);
            continue;
        }
        *eq = 0;
        size_t hsize;
        uint8_t *host = slurp(eq + 1, &hsize);
        uint32_t ino = mfs_lookup(&r, argv[i]);
        struct mfs_inode in;
        if (!host || !ino || mfs_read_inode(&r, ino, &in)) {
            bad("%s: missing on the disk or on the host", argv[i]);
            continue;
        }
        uint8_t *mine = malloc(in.size + 1u);
        if (in.size != hsize || mfs_read(&r, &in, 0, mine, in.size) != (long)in.size || memcmp(mine, host, hsize))
            bad("%s: contents differ from the host file (%u bytes on disk)", argv[i], in.size);
        free(mine);
        free(host);
    }
    printf("pw_fsck: %s: %u inodes, %u zones, %s\n", argv[a], r.sb.ninodes, r.sb.nzones,
           errors ? "ERRORS" : "clean");
    return errors ? 1 : 0;
}
