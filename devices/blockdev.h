/* A block device: what a disk controller reads and writes. The board implements it (image
 * files with an in-memory overlay); tests implement it over a RAM array. Sectors are 512 bytes.
 * Functions return 0, or -1 on failure (the controller reports a medium error). */
#ifndef PW_DEVICES_BLOCKDEV_H
#define PW_DEVICES_BLOCKDEV_H

#include <stdbool.h>
#include <stdint.h>

#define BLOCKDEV_SECTOR 512u

struct blockdev {
    int (*read)(void *opaque, uint64_t lba, unsigned count, void *buf);
    int (*write)(void *opaque, uint64_t lba, unsigned count, const void *buf);
    uint64_t sectors;        /* capacity */
    bool read_only;          /* writes are refused (the controller aborts the command) */
    void *opaque;
};

static inline int blockdev_read(const struct blockdev *b, uint64_t lba, unsigned count, void *buf)
{
    if (!b->read || lba > b->sectors || count > b->sectors - lba)
        return -1;
    return b->read(b->opaque, lba, count, buf);
}

static inline int blockdev_write(const struct blockdev *b, uint64_t lba, unsigned count,
                                 const void *buf)
{
    if (!b->write || b->read_only || lba > b->sectors || count > b->sectors - lba)
        return -1;
    return b->write(b->opaque, lba, count, buf);
}

#endif
