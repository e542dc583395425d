/* Disk images: raw image files behind the devices' block-device interface.
 *
 * An image is opened read-only unless the user wrote FILE,rw. Read-only images still accept
 * guest writes: they land in an in-memory copy-on-write overlay (one lazily allocated buffer
 * per written sector) that is read back before the file and dropped at exit, so the file is
 * never modified.
 *
 * Geometry (what ATA IDENTIFY, INITIALIZE DEVICE PARAMETERS defaults, the CMOS, the BIOS's
 * int 13h and its fixed-disk parameter tables all report):
 *  - floppies: from the size: 360K 40/2/9, 720K 80/2/9, 1.2M 80/2/15, 1.44M 80/2/18,
 *    2.88M 80/2/36; any other size is refused.
 *  - hard disks: chs=C/H/S when given (H 1..16, S 1..63, C 1..65535, C*H*S no more than the
 *    image holds). Otherwise 16 heads x 63 sectors with as many whole cylinders as the image
 *    holds (what QEMU and PC BIOSes derive; a partial last cylinder is reachable by LBA
 *    only). Images smaller than one such cylinder (504 KiB) get the exact fit with the
 *    largest track (H <= 16, S <= 63). Refused: empty, not whole sectors, beyond LBA28. */
#ifndef PW_EMU_DISK_H
#define PW_EMU_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/blockdev.h"

enum disk_kind { DISK_FLOPPY, DISK_HARD };

struct disk_geometry {
    unsigned cyls, heads, spt;
};

struct disk {
    enum disk_kind kind;
    char path[512];
    int fd;                  /* -1 for a memory-only disk (tests) */
    bool rw;                 /* writes go to the file */
    uint64_t sectors;        /* capacity */
    struct disk_geometry geom;
    uint8_t **overlay;       /* [sectors] NULL until a sector is written (read-only images) */
    uint8_t *mem;            /* memory-only disk contents */
    uint64_t overlay_sectors;/* how many sectors the overlay holds */
    struct blockdev bdev;    /* what the controllers and the BIOS use */
};

/* Geometry rules (pure, for tests). Return 0, or -1 with a one-line reason in err. */
int disk_floppy_geometry(uint64_t bytes, struct disk_geometry *g, char *err, size_t errlen);
/* The CMOS / BIOS drive type of a floppy image by its size (1: 360K ... 5: 2.88M), 0 for no
 * disk or a size that is not a standard format. */
uint8_t disk_floppy_cmos_type(const struct disk *d);
int disk_hard_geometry(uint64_t sectors, struct disk_geometry *g, char *err, size_t errlen);
int disk_check_chs(uint64_t sectors, const struct disk_geometry *g, char *err, size_t errlen);

/* Opens an image. chs may be NULL (derive). Returns 0, or -1 with a one-line message. */
int disk_open(struct disk *d, const char *path, enum disk_kind kind, bool rw,
              const struct disk_geometry *chs, char *err, size_t errlen);
/* A disk over a caller-owned memory buffer (tests): writes go to the overlay. */
int disk_open_mem(struct disk *d, uint8_t *mem, uint64_t bytes, enum disk_kind kind,
                  char *err, size_t errlen);
void disk_close(struct disk *d);

int disk_read(struct disk *d, uint64_t lba, unsigned count, void *buf);
int disk_write(struct disk *d, uint64_t lba, unsigned count, const void *buf);
/* Writes into the overlay even when the image is writable (host edits such as --append
 * that must never reach the file). */
int disk_write_overlay(struct disk *d, uint64_t lba, unsigned count, const void *buf);

/* The bundled kernel's command-line block (guest-kernel/ABI.md): LBA 1 starts with the 8
 * bytes "CMDLINE:" followed by the NUL-terminated text (at most 500 characters). Edits it
 * in the overlay. Returns 0, or -1 with err when the image has no such block. */
#define DISK_CMDLINE_LBA 1
#define DISK_CMDLINE_MAGIC "CMDLINE:"
#define DISK_CMDLINE_MAX 500
int disk_set_cmdline(struct disk *d, const char *text, char *err, size_t errlen);

#endif
