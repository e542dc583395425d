/* Disk images with a copy-on-write overlay (see disk.h for the geometry rules). */
#include "emu/disk.h"
#include "emu/errmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR BLOCKDEV_SECTOR

/* The standard PC diskette formats: size, geometry (cylinders / heads / sectors per track)
 * and the drive type the CMOS (register 10h) and int 13h AH=08h report for them. */
static const struct {
    uint64_t bytes;
    struct disk_geometry g;
    uint8_t cmos_type;
} floppy_formats[] = {
    {368640, {40, 2, 9}, 1},   {1228800, {80, 2, 15}, 2}, {737280, {80, 2, 9}, 3},
    {1474560, {80, 2, 18}, 4}, {2949120, {80, 2, 36}, 5},
};

uint8_t disk_floppy_cmos_type(const struct disk *d)
{
    for (size_t i = 0; d && i < sizeof floppy_formats / sizeof floppy_formats[0]; i++)
        if (floppy_formats[i].bytes == d->sectors * SECTOR)
            return floppy_formats[i].cmos_type;
    return 0;
}

int disk_floppy_geometry(uint64_t bytes, struct disk_geometry *g, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof floppy_formats / sizeof floppy_formats[0]; i++) {
        if (floppy_formats[i].bytes == bytes) {
            *g = floppy_formats[i].g;
            return 0;
        }
    }
    return pw_fail(err, errlen,
                "no floppy geometry fits %llu bytes (expected 360K, 720K, 1.2M, 1.44M or 2.88M)",
                (unsigned long long)bytes);
}

int disk_check_chs(uint64_t sectors, const struct disk_geometry *g, char *err, size_t errlen)
{
    if (g->cyls < 1 || g->cyls > 65535 || g->heads < 1 || g->heads > 16 || g->spt < 1 ||
        g->spt > 63)
        return pw_fail(err, errlen, "C/H/S %u/%u/%u out of range (C 1-65535, H 1-16, S 1-63)",
                    g->cyls, g->heads, g->spt);
    if ((uint64_t)g->cyls * g->heads * g->spt > sectors)
        return pw_fail(err, errlen, "C/H/S %u/%u/%u needs %llu sectors but the image has %llu",
                    g->cyls, g->heads, g->spt,
                    (unsigned long long)g->cyls * g->heads * g->spt, (unsigned long long)sectors);
    return 0;
}

int disk_hard_geometry(uint64_t sectors, struct disk_geometry *g, char *err, size_t errlen)
{
    /* ATA CHS addressing ends at 65535 x 16 x 63; LBA28 at 2^28 sectors. Beyond that no
     * geometry (and no LBA28 command) reaches the whole disk. */
    if (sectors == 0)
        return pw_fail(err, errlen, "the image is empty");
    if (sectors > (1ull << 28))
        return pw_fail(err, errlen, "no geometry fits %llu sectors (more than LBA28 reaches)",
                    (unsigned long long)sectors);
    /* Whole cylinders of 16 x 63, or as many as fit: what QEMU and PC BIOSes derive, so an
     * image partitioned elsewhere keeps its CHS layout. The partial last cylinder (if any)
     * is reachable through LBA only. */
    if (sectors >= 16 * 63) {
        uint64_t c = sectors / (16 * 63);
        *g = (struct disk_geometry){(unsigned)(c > 65535 ? 65535 : c), 16, 63};
        return 0;
    }
    /* Smaller than one such cylinder: the exact fit with the largest track (fewest
     * cylinders); one always exists (1 x 1 x n at worst). */
    unsigned best_h = 1, best_s = 1;
    for (unsigned h = 16; h >= 1; h--) {
        for (unsigned s = 63; s >= 1; s--) {
            uint64_t track = (uint64_t)h * s;
            if (sectors % track == 0 && track > (uint64_t)best_h * best_s) {
                best_h = h;
                best_s = s;
            }
        }
    }
    *g = (struct disk_geometry){(unsigned)(sectors / ((uint64_t)best_h * best_s)), best_h, best_s};
    return 0;
}

static int bdev_read(void *opaque, uint64_t lba, unsigned count, void *buf)
{
    return disk_read(opaque, lba, count, buf);
}

static int bdev_write(void *opaque, uint64_t lba, unsigned count, const void *buf)
{
    return disk_write(opaque, lba, count, buf);
}

static int disk_finish(struct disk *d, enum disk_kind kind, uint64_t bytes,
                       const struct disk_geometry *chs, char *err, size_t errlen)
{
    d->kind = kind;
    if (bytes == 0)
        return pw_fail(err, errlen, "%s: the image is empty", d->path);
    if (kind == DISK_FLOPPY) {
        if (disk_floppy_geometry(bytes, &d->geom, err, errlen) == 0) {
            d->sectors = bytes / SECTOR;
        } else {
            char why[200];
            snprintf(why, sizeof why, "%s", err);
            return pw_fail(err, errlen, "%s: %s", d->path, why);
        }
    } else {
        if (bytes % SECTOR)
            return pw_fail(err, errlen, "%s: size %llu is not a whole number of 512-byte sectors",
                        d->path, (unsigned long long)bytes);
        d->sectors = bytes / SECTOR;
        char why[200];
        int r = chs ? disk_check_chs(d->sectors, chs, why, sizeof why)
                    : disk_hard_geometry(d->sectors, &d->geom, why, sizeof why);
        if (r)
            return pw_fail(err, errlen, "%s: %s", d->path, why);
        if (chs)
            d->geom = *chs;
    }
    if (!d->rw) {
        d->overlay = calloc(d->sectors, sizeof *d->overlay);
        if (!d->overlay)
            return pw_fail(err, errlen, "%s: out of memory for the overlay", d->path);
    }
    d->bdev = (struct blockdev){.read = bdev_read, .write = bdev_write, .sectors = d->sectors,
                                .read_only = false, .opaque = d};
    return 0;
}

int disk_open(struct disk *d, const char *path, enum disk_kind kind, bool rw,
              const struct disk_geometry *chs, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->fd = -1;
    snprintf(d->path, sizeof d->path, "%s", path);
    d->rw = rw;
    int fd = open(path, rw ? O_RDWR : O_RDONLY);
    if (fd < 0)
        return pw_fail(err, errlen, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return pw_fail(err, errlen, "%s: not a regular file", path);
    }
    d->fd = fd;
    if (disk_finish(d, kind, (uint64_t)st.st_size, chs, err, errlen)) {
        disk_close(d);
        return -1;
    }
    return 0;
}

int disk_open_mem(struct disk *d, uint8_t *mem, uint64_t bytes, enum disk_kind kind,
                  char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->fd = -1;
    d->mem = mem;
    snprintf(d->path, sizeof d->path, "(memory)");
    if (disk_finish(d, kind, bytes, NULL, err, errlen)) {
        disk_close(d);
        return -1;
    }
    return 0;
}

void disk_close(struct disk *d)
{
    if (d->overlay) {
        for (uint64_t i = 0; i < d->sectors; i++)
            free(d->overlay[i]);
        free(d->overlay);
    }
    if (d->fd >= 0)
        close(d->fd);
    d->overlay = NULL;
    d->fd = -1;
}

static int read_backing(struct disk *d, uint64_t lba, void *buf)
{
    if (d->mem) {
        memcpy(buf, d->mem + lba * SECTOR, SECTOR);
        return 0;
    }
    ssize_t n = pread(d->fd, buf, SECTOR, (off_t)(lba * SECTOR));
    return n == SECTOR ? 0 : -1;
}

int disk_read(struct disk *d, uint64_t lba, unsigned count, void *buf)
{
    if (lba > d->sectors || count > d->sectors - lba)
        return -1;
    uint8_t *p = buf;
    for (unsigned i = 0; i < count; i++, p += SECTOR) {
        uint8_t *ov = d->overlay ? d->overlay[lba + i] : NULL;
        if (ov)
            memcpy(p, ov, SECTOR);
        else if (read_backing(d, lba + i, p))
            return -1;
    }
    return 0;
}

int disk_write_overlay(struct disk *d, uint64_t lba, unsigned count, const void *buf)
{
    if (lba > d->sectors || count > d->sectors - lba)
        return -1;
    if (!d->overlay) {
        d->overlay = calloc(d->sectors, sizeof *d->overlay);
        if (!d->overlay)
            return -1;
    }
    const uint8_t *p = buf;
    for (unsigned i = 0; i < count; i++, p += SECTOR) {
        uint8_t **slot = &d->overlay[lba + i];
        if (!*slot) {
            *slot = malloc(SECTOR);
            if (!*slot)
                return -1;
            d->overlay_sectors++;
        }
        memcpy(*slot, p, SECTOR);
    }
    return 0;
}

int disk_write(struct disk *d, uint64_t lba, unsigned count, const void *buf)
{
    if (lba > d->sectors || count > d->sectors - lba)
        return -1;
    if (!d->rw)
        return disk_write_overlay(d, lba, count, buf);
    const uint8_t *p = buf;
    for (unsigned i = 0; i < count; i++, p += SECTOR) {
        /* A sector the host edited (--append) stays in the overlay: keep it coherent. */
        if (d->overlay && d->overlay[lba + i]) {
            memcpy(d->overlay[lba + i], p, SECTOR);
            continue;
        }
        if (pwrite(d->fd, p, SECTOR, (off_t)((lba + i) * SECTOR)) != SECTOR)
            return -1;
    }
    return 0;
}

int disk_set_cmdline(struct disk *d, const char *text, char *err, size_t errlen)
{
    uint8_t sec[SECTOR];
    size_t mlen = strlen(DISK_CMDLINE_MAGIC);
    if (d->sectors <= DISK_CMDLINE_LBA || disk_read(d, DISK_CMDLINE_LBA, 1, sec) ||
        memcmp(sec, DISK_CMDLINE_MAGIC, mlen))
        return pw_fail(err, errlen,
                    "%s: --append needs the bundled kernel's disk (no CMDLINE: block at LBA 1)",
                    d->path);
    size_t tlen = strlen(text);
    if (tlen > DISK_CMDLINE_MAX)
        return pw_fail(err, errlen, "--append: the command line is longer than %d characters",
                    DISK_CMDLINE_MAX);
    memset(sec + mlen, 0, SECTOR - mlen);
    memcpy(sec + mlen, text, tlen);
    if (disk_write_overlay(d, DISK_CMDLINE_LBA, 1, sec))
        return pw_fail(err, errlen, "%s: out of memory for the overlay", d->path);
    return 0;
}
