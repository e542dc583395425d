/*
 * minixfs.h - the MINIX v1 file system as the image builder writes it and the checker reads it.
 *
 * Host-side code (built with the host compiler), shared by pw_mkdisk, pw_fsck and the
 * round-trip unit test. On-disk layout (all little-endian, 1 KiB blocks):
 *
 *   block 0      boot block (unused, zero)
 *   block 1      super block
 *   2 ..         inode bitmap   (s_imap_blocks)   bit i = inode i in use; bit 0 always set
 *   ..           zone bitmap    (s_zmap_blocks)   bit i = zone s_firstdatazone + i - 1; bit 0 set
 *   ..           inode table    32-byte inodes, inode 1 (the root) first
 *   s_firstdatazone .. s_nzones-1   data zones (zone = block, s_log_zone_size = 0)
 *
 * An inode's i_zone[0..6] are direct zones, i_zone[7] a single-indirect block (512 u16 zone
 * numbers), i_zone[8] a double-indirect block; zone 0 means "hole / none". Directories are
 * arrays of 16-byte entries {u16 inode; char name[14]} (name NUL-padded, not terminated when
 * 14 long). This is the format of the MINIX 1 book and of Linux 0.11's fs/ (magic 0x137F).
 */
#ifndef PW_MINIXFS_H
#define PW_MINIXFS_H

#include <stddef.h>
#include <stdint.h>

#define MFS_BLOCK         1024u
#define MFS_MAGIC         0x137F
#define MFS_INODE_SIZE    32u
#define MFS_DIRENT_SIZE   16u
#define MFS_NAME_LEN      14u
#define MFS_NDIRECT       7u
#define MFS_PER_INDIRECT  (MFS_BLOCK / 2u)              /* u16 zone numbers per block */
#define MFS_BITS_PER_BLOCK (MFS_BLOCK * 8u)
#define MFS_ROOT_INO      1u
#define MFS_MAX_SIZE      ((MFS_NDIRECT + MFS_PER_INDIRECT + MFS_PER_INDIRECT * MFS_PER_INDIRECT) * MFS_BLOCK)

#define MFS_S_IFMT  0170000
#define MFS_S_IFDIR 0040000
#define MFS_S_IFREG 0100000

/* Byte offsets inside the super block (block 1). */
enum {
    MFS_SB_NINODES = 0, MFS_SB_NZONES = 2, MFS_SB_IMAP_BLOCKS = 4, MFS_SB_ZMAP_BLOCKS = 6,
    MFS_SB_FIRSTDATAZONE = 8, MFS_SB_LOG_ZONE_SIZE = 10, MFS_SB_MAX_SIZE = 12, MFS_SB_MAGIC = 16,
    MFS_SB_STATE = 18,
};

/* Decoded super block. */
struct mfs_super {
    uint16_t ninodes, nzones, imap_blocks, zmap_blocks, firstdatazone, log_zone_size;
    uint32_t max_size;
    uint16_t magic, state;
};

/* Decoded inode. */
struct mfs_inode {
    uint16_t mode, uid;
    uint32_t size, mtime;
    uint8_t gid, nlinks;
    uint16_t zone[9];
};

/* One regular file to place in the image; directories on its path are made as needed. */
struct mfs_file {
    const char *path;           /* absolute, e.g. "/bin/sh" */
    const uint8_t *data;
    size_t size;
    uint16_t mode;              /* permission bits, e.g. 0755; S_IFREG is added */
};

/* Blocks an image needs to hold these files with ninodes inodes (no slack added). */
uint32_t mfs_blocks_needed(const struct mfs_file *files, int nfiles, uint16_t ninodes);

/* Builds a file system of nblocks blocks into img (nblocks * 1 KiB, zeroed by the caller).
 * mtime is stamped on every inode (fixed, so images are reproducible). Returns 0, or -1
 * with a message in err. */
int mfs_build(uint8_t *img, uint32_t nblocks, uint16_t ninodes, uint32_t mtime,
              const struct mfs_file *files, int nfiles, char *err, size_t errlen);

/* Reader over an image in memory (read-only). */
struct mfs_reader {
    const uint8_t *img;
    size_t size;                /* bytes available */
    struct mfs_super sb;
    uint32_t inode_table;       /* first block of the inode table */
};

int mfs_open(struct mfs_reader *r, const uint8_t *img, size_t size, char *err, size_t errlen);
int mfs_read_inode(const struct mfs_reader *r, uint32_t ino, struct mfs_inode *out);
/* Zone holding file block blk of the inode, 0 for a hole or past the end, -1 if corrupt. */
int32_t mfs_bmap(const struct mfs_reader *r, const struct mfs_inode *in, uint32_t blk);
/* Copies up to n bytes of the file from offset off; returns bytes copied or -1. */
long mfs_read(const struct mfs_reader *r, const struct mfs_inode *in, uint32_t off, void *buf, size_t n);
/* Inode number of an absolute path, 0 when absent. */
uint32_t mfs_lookup(const struct mfs_reader *r, const char *path);
/* Checks the whole file system (tree walk vs bitmaps, link counts, sizes); prints each
 * problem to stderr and returns how many were found. If listing is set, prints every path
 * with its inode, mode and size to stdout. */
int mfs_check(const struct mfs_reader *r, int listing);

#endif
