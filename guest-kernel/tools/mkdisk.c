/*
 * pw_mkdisk - assembles the bundled kernel's boot disk (guest-kernel/ABI.md, disklayout.h).
 *
 *   pw_mkdisk -o disk.img -b bootsect.bin -s setup.bin -k kernel.bin [-c CMDLINE]
 *             [-i INODES] [-x EXTRA_BLOCKS] [-t MTIME] /dest/path=host_file ...
 *
 * Each /dest/path=host_file argument puts one file into the MINIX file system of partition
 * 1 (mode 0755 under /bin, 0644 elsewhere). Errors are one line on stderr and exit 1.
 */
#include "disklayout.h"
#include "minixfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "pw_mkdisk: %s%s%s\n", arg ? arg : "", arg ? ": " : "", msg);
    exit(1);
}

static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open", path);
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf)
            die("out of memory", path);
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap);
    }
    if (ferror(f))
        die("read error", path);
    fclose(f);
    *size = n;
    return buf;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

/* CHS triple of a partition table entry (head, sector | cylinder bits 8-9 << 6, cylinder). */
static void put_chs(uint8_t *p, uint32_t lba)
{
    uint32_t c = lba / DISK_CYL_SECTORS, h = lba / DISK_SPT % DISK_HEADS, s = lba % DISK_SPT + 1;
    if (c > 1023)
        c = 1023, h = DISK_HEADS - 1, s = DISK_SPT;     /* beyond CHS: the usual saturation */
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(s | (c >> 8 & 3) << 6);
    p[2] = (uint8_t)c;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *boot = NULL, *setup = NULL, *kernel = NULL, *cmdline = "";
    unsigned long ninodes = 128, extra = 256, mtime = 0;
    struct mfs_file files[256];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] && !a[2] && i + 1 < argc) {
            const char *v = argv[++i];
            switch (a[1]) {
            case 'o': out = v; break;
            case 'b': boot = v; break;
            case 's': setup = v; break;
            case 'k': kernel = v; break;
            case 'c': cmdline = v; break;
            case 'i': ninodes = strtoul(v, NULL, 0); break;
            case 'x': extra = strtoul(v, NULL, 0); break;
            case 't': mtime = strtoul(v, NULL, 0); break;
            default: die("unknown option", a);
            }
        } else if (a[0] == '/' && strchr(a, '=')) {
            if (nfiles == (int)(sizeof files / sizeof files[0]))
                die("too many files", a);
            char *eq = strchr(a, '=');
            char *dest = strndup(a, (size_t)(eq - a));
            struct mfs_file *f = &files[nfiles++];
            f->path = dest;
            f->data = slurp(eq + 1, &f->size);
            f->mode = strncmp(dest, "/bin/", 5) ? 0644 : 0755;
        } else {
            die("usage: pw_mkdisk -o OUT -b BOOT -s SETUP -k KERNEL [-c CMDLINE] [-i INODES] "
                "[-x EXTRA_BLOCKS] [-t MTIME] /dest=file ...", NULL);
        }
    }
    if (!out || !boot || !setup || !kernel)
        die("-o, -b, -s and -k are required", NULL);
    if (strlen(cmdline) > DISK_CMDLINE_MAX)
        die("command line longer than 500 characters", NULL);
    if (ninodes < 2 || ninodes > 65535)
        die("inode count out of range", NULL);

    size_t boot_size, setup_size, kernel_size;
    uint8_t *boot_bin = slurp(boot, &boot_size);
    uint8_t *setup_bin = slurp(setup, &setup_size);
    uint8_t *kernel_bin = slurp(kernel, &kernel_size);
    if (boot_size > DISK_SECTOR)
        die("boot sector larger than 512 bytes", boot);
    /* The builder owns 0x1B0..0x1FF: the patched fields (placeholders there are
     * overwritten), the rest up to the partition table, the table and the signature. Boot
     * code must end before it. */
    for (size_t i = DISK_OFF_PART_LBA + 4; i < boot_size && i < 0x1FE; i++)
        if (boot_bin[i])
            die("boot code reaches into 0x1B8..0x1FD (partition table area)", boot);
    uint32_t setup_sects = (uint32_t)((setup_size + DISK_SECTOR - 1) / DISK_SECTOR);
    uint32_t kernel_sects = (uint32_t)((kernel_size + DISK_SECTOR - 1) / DISK_SECTOR);
    if (!setup_sects || setup_sects > 0xFFFF || !kernel_sects || kernel_sects > 0xFFFF)
        die("setup or kernel empty or too large", NULL);

    /* The file system starts on the next track boundary; the disk ends on a cylinder
     * boundary and the partition (and the file system) runs to the end of it. */
    uint32_t after = DISK_SETUP_LBA + setup_sects + kernel_sects;
    uint32_t part_lba = (after + DISK_SPT - 1) / DISK_SPT * DISK_SPT;
    uint32_t fs_blocks = mfs_blocks_needed(files, nfiles, (uint16_t)ninodes) + (uint32_t)extra;
    uint32_t total = (part_lba + 2 * fs_blocks + DISK_CYL_SECTORS - 1) / DISK_CYL_SECTORS * DISK_CYL_SECTORS;
    uint32_t part_sects = total - part_lba;
    fs_blocks = part_sects / 2;
    if (fs_blocks > 65535)
        die("file system larger than MINIX v1's 64 MiB", NULL);

    uint8_t *disk = calloc(total, DISK_SECTOR);
    if (!disk)
        die("out of memory", NULL);
    char err[256];
    if (mfs_build(disk + (size_t)part_lba * DISK_SECTOR, fs_blocks, (uint16_t)ninodes, (uint32_t)mtime,
                  files, nfiles, err, sizeof err))
        die(err, out);

    memcpy(disk, boot_bin, boot_size);
    put16(disk + DISK_OFF_SETUP_SECTS, setup_sects);
    put16(disk + DISK_OFF_KERNEL_SECTS, kernel_sects);
    put32(disk + DISK_OFF_PART_LBA, part_lba);
    uint8_t *pe = disk + DISK_OFF_PTABLE;
    memset(pe, 0, 64);
    pe[0] = 0x80;                                       /* active */
    put_chs(pe + 1, part_lba);
    pe[4] = DISK_PART_MINIX;
    put_chs(pe + 5, total - 1);
    put32(pe + 8, part_lba);
    put32(pe + 12, part_sects);
    disk[0x1FE] = 0x55;
    disk[0x1FF] = 0xAA;

    uint8_t *cl = disk + DISK_CMDLINE_LBA * DISK_SECTOR;
    memcpy(cl, DISK_CMDLINE_MAGIC, 8);
    memcpy(cl + 8, cmdline, strlen(cmdline));
    memcpy(disk + DISK_SETUP_LBA * DISK_SECTOR, setup_bin, setup_size);
    memcpy(disk + (size_t)(DISK_SETUP_LBA + setup_sects) * DISK_SECTOR, kernel_bin, kernel_size);

    FILE *f = fopen(out, "wb");
    if (!f)
        die("cannot create", out);
    if (fwrite(disk, DISK_SECTOR, total, f) != total || fclose(f))
        die("write error", out);
    printf("pw_mkdisk: %s: %u sectors (%u cylinders); setup %u, kernel %u sectors; "
           "file system at LBA %u, %u blocks, %d files\n", out, total, total / DISK_CYL_SECTORS,
           setup_sects, kernel_sects, part_lba, fs_blocks, nfiles);
    return 0;
}
