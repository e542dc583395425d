/*
 * minixfs_build.c - writes a MINIX v1 file system image from a list of files.
 *
 * Inodes and zones are handed out in order (root first, then directories and files in the
 * order they are met), so the same input gives the same image byte for byte.
 */
#include "minixfs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MFS_MAX_NODES 1024

/* One directory or file of the tree being built. */
struct node {
    char name[MFS_NAME_LEN + 1];
    int parent;                 /* index; the root is its own parent */
    int is_dir;
    int file;                   /* index into files[] for regular files */
    uint32_t ino;
};

struct builder {
    uint8_t *img;
    uint32_t nblocks;
    struct mfs_super sb;
    uint32_t imap_start, zmap_start, itable_start;
    uint32_t next_zone;
    uint32_t next_ino;
    uint32_t mtime;
    char *err;
    size_t errlen;
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void set_bit(uint8_t *map, uint32_t bit) { map[bit / 8] |= (uint8_t)(1u << (bit % 8)); }

static int fail(struct builder *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, b->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static uint32_t div_up(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

/* Zones (data + indirect) a file of size bytes occupies. */
static uint32_t zones_for_size(size_t size)
{
    uint32_t blocks = div_up((uint32_t)size, MFS_BLOCK), n = blocks;
    if (blocks > MFS_NDIRECT)
        n++;                                            /* single indirect */
    if (blocks > MFS_NDIRECT + MFS_PER_INDIRECT) {
        uint32_t rest = blocks - MFS_NDIRECT - MFS_PER_INDIRECT;
        n += 1 + div_up(rest, MFS_PER_INDIRECT);        /* double indirect + its children */
    }
    return n;
}

/* Computes the metadata sizes for nblocks / ninodes (zone bitmap size depends on itself). */
static void layout(struct mfs_super *sb, uint32_t nblocks, uint16_t ninodes)
{
    sb->ninodes = ninodes;
    sb->nzones = (uint16_t)nblocks;
    sb->imap_blocks = (uint16_t)div_up(ninodes + 1u, MFS_BITS_PER_BLOCK);
    uint32_t itable = div_up(ninodes * MFS_INODE_SIZE, MFS_BLOCK);
    uint16_t zmap = 1;
    for (;;) {
        uint32_t first = 2 + sb->imap_blocks + zmap + itable;
        uint32_t need = nblocks > first ? div_up(nblocks - first + 1, MFS_BITS_PER_BLOCK) : 1;
        if (need <= zmap)
            break;
        zmap = (uint16_t)need;
    }
    sb->zmap_blocks = zmap;
    sb->firstdatazone = (uint16_t)(2 + sb->imap_blocks + zmap + itable);
    sb->log_zone_size = 0;
    sb->max_size = MFS_MAX_SIZE;
    sb->magic = MFS_MAGIC;
    sb->state = 1;                                      /* cleanly unmounted */
}

/* Splits the path into nodes, making directories on the way; returns 0 or -1. */
static int add_path(struct builder *b, struct node *nodes, int *nnodes, const char *path, int file)
{
    if (path[0] != '/')
        return fail(b, "%s: path must be absolute", path);
    int cur = 0;
    const char *p = path + 1;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        int last = !slash || !slash[1];
        if (len == 0 || len > MFS_NAME_LEN)
            return fail(b, "%s: each name must be 1..%u characters", path, MFS_NAME_LEN);
        int found = -1;
        for (int i = 1; i < *nnodes; i++)
            if (nodes[i].parent == cur && strlen(nodes[i].name) == len && !memcmp(nodes[i].name, p, len))
                found = i;
        if (found >= 0 && (last || !nodes[found].is_dir))
            return fail(b, "%s: already exists", path);
        if (found < 0) {
            if (*nnodes >= MFS_MAX_NODES)
                return fail(b, "too many files");
            found = (*nnodes)++;
            memset(&nodes[found], 0, sizeof nodes[found]);
            memcpy(nodes[found].name, p, len);
            nodes[found].parent = cur;
            nodes[found].is_dir = !last;
            nodes[found].file = last ? file : -1;
        }
        cur = found;
        p += len;
        if (*p == '/')
            p++;
    }
    return 0;
}

static uint32_t alloc_zone(struct builder *b)
{
    if (b->next_zone >= b->sb.nzones)
        return 0;
    uint32_t z = b->next_zone++;
    set_bit(b->img + b->zmap_start * MFS_BLOCK, z - b->sb.firstdatazone + 1);
    return z;
}

/* Writes size bytes as the contents of inode in: data zones, then indirect blocks as needed. */
static int write_contents(struct builder *b, uint16_t *zone, const uint8_t *data, size_t size)
{
    uint32_t blocks = div_up((uint32_t)size, MFS_BLOCK);
    uint8_t *ind = NULL, *dind = NULL;
    for (uint32_t i = 0; i < blocks; i++) {
        uint32_t z = alloc_zone(b);
        if (!z)
            return fail(b, "file system full");
        size_t off = (size_t)i * MFS_BLOCK, n = size - off < MFS_BLOCK ? size - off : MFS_BLOCK;
        memcpy(b->img + (size_t)z * MFS_BLOCK, data + off, n);
        uint32_t k = i;
        if (k < MFS_NDIRECT) {
            zone[k] = (uint16_t)z;
            continue;
        }
        k -= MFS_NDIRECT;
        if (k < MFS_PER_INDIRECT) {
            if (!zone[7]) {
                uint32_t iz = alloc_zone(b);
                if (!iz)
                    return fail(b, "file system full");
                zone[7] = (uint16_t)iz;
                ind = b->img + (size_t)iz * MFS_BLOCK;
            }
            put16(ind + 2 * k, (uint16_t)z);
            continue;
        }
        k -= MFS_PER_INDIRECT;
        if (!zone[8]) {
            uint32_t dz = alloc_zone(b);
            if (!dz)
                return fail(b, "file system full");
            zone[8] = (uint16_t)dz;
            dind = b->img + (size_t)dz * MFS_BLOCK;
        }
        uint32_t hi = k / MFS_PER_INDIRECT, lo = k % MFS_PER_INDIRECT;
        if (lo == 0) {
            uint32_t iz = alloc_zone(b);
            if (!iz)
                return fail(b, "file system full");
            put16(dind + 2 * hi, (uint16_t)iz);
        }
        uint32_t iz = dind[2 * hi] | (uint32_t)dind[2 * hi + 1] << 8;
        put16(b->img + (size_t)iz * MFS_BLOCK + 2 * lo, (uint16_t)z);
    }
    return 0;
}

static void write_inode(struct builder *b, uint32_t ino, uint16_t mode, uint32_t size,
                        uint8_t nlinks, const uint16_t *zone)
{
    uint8_t *p = b->img + (size_t)b->itable_start * MFS_BLOCK + (ino - 1) * MFS_INODE_SIZE;
    put16(p + 0, mode);
    put16(p + 2, 0);                                    /* uid root */
    put32(p + 4, size);
    put32(p + 8, b->mtime);
    p[12] = 0;                                          /* gid */
    p[13] = nlinks;
    for (int i = 0; i < 9; i++)
        put16(p + 14 + 2 * i, zone[i]);
    set_bit(b->img + b->imap_start * MFS_BLOCK, ino);
}

uint32_t mfs_blocks_needed(const struct mfs_file *files, int nfiles, uint16_t ninodes)
{
    struct mfs_super sb;
    layout(&sb, 65535, ninodes);
    /* Directories: generously one zone per path component plus the root. */
    uint32_t n = 1;
    for (int i = 0; i < nfiles; i++) {
        n += zones_for_size(files[i].size);
        for (const char *p = files[i].path + 1; *p; p++)
            n += *p == '/';
    }
    return sb.firstdatazone + n;
}

int mfs_build(uint8_t *img, uint32_t nblocks, uint16_t ninodes, uint32_t mtime,
              const struct mfs_file *files, int nfiles, char *err, size_t errlen)
{
    struct builder b = { .img = img, .nblocks = nblocks, .mtime = mtime, .err = err, .errlen = errlen };
    if (nblocks > 65535 || nblocks < 16)
        return fail(&b, "file system size %u blocks out of range (16..65535)", nblocks);
    if (ninodes < 2 || (uint32_t)ninodes + 1 > MFS_BITS_PER_BLOCK * 8)
        return fail(&b, "inode count %u out of range", ninodes);
    layout(&b.sb, nblocks, ninodes);
    if (b.sb.firstdatazone >= nblocks)
        return fail(&b, "file system too small for its metadata");
    b.imap_start = 2;
    b.zmap_start = b.imap_start + b.sb.imap_blocks;
    b.itable_start = b.zmap_start + b.sb.zmap_blocks;
    b.next_zone = b.sb.firstdatazone;

    /* Bitmaps: bit 0 is reserved in both; bits past the last inode / zone are set so
     * an allocator never hands them out. */
    uint8_t *imap = img + b.imap_start * MFS_BLOCK, *zmap = img + b.zmap_start * MFS_BLOCK;
    for (uint32_t i = ninodes + 1u; i < b.sb.imap_blocks * MFS_BITS_PER_BLOCK; i++)
        set_bit(imap, i);
    for (uint32_t i = nblocks - b.sb.firstdatazone + 1u; i < b.sb.zmap_blocks * MFS_BITS_PER_BLOCK; i++)
        set_bit(zmap, i);
    set_bit(imap, 0);
    set_bit(zmap, 0);

    uint8_t *sbp = img + MFS_BLOCK;
    put16(sbp + MFS_SB_NINODES, b.sb.ninodes);
    put16(sbp + MFS_SB_NZONES, b.sb.nzones);
    put16(sbp + MFS_SB_IMAP_BLOCKS, b.sb.imap_blocks);
    put16(sbp + MFS_SB_ZMAP_BLOCKS, b.sb.zmap_blocks);
    put16(sbp + MFS_SB_FIRSTDATAZONE, b.sb.firstdatazone);
    put16(sbp + MFS_SB_LOG_ZONE_SIZE, 0);
    put32(sbp + MFS_SB_MAX_SIZE, b.sb.max_size);
    put16(sbp + MFS_SB_MAGIC, b.sb.magic);
    put16(sbp + MFS_SB_STATE, b.sb.state);

    static struct node nodes[MFS_MAX_NODES];
    int nnodes = 1;
    memset(&nodes[0], 0, sizeof nodes[0]);
    nodes[0].is_dir = 1;
    nodes[0].file = -1;
    for (int i = 0; i < nfiles; i++)
        if (add_path(&b, nodes, &nnodes, files[i].path, i))
            return -1;
    if ((uint32_t)nnodes > ninodes)
        return fail(&b, "%d files and directories but only %u inodes", nnodes, ninodes);
    for (int i = 0; i < nnodes; i++)
        nodes[i].ino = (uint32_t)i + 1;                 /* the root gets inode 1 */

    for (int i = 0; i < nnodes; i++) {
        uint16_t zone[9] = { 0 };
        if (!nodes[i].is_dir) {
            const struct mfs_file *f = &files[nodes[i].file];
            if (f->size > MFS_MAX_SIZE)
                return fail(&b, "%s: too large for MINIX v1", f->path);
            if (write_contents(&b, zone, f->data, f->size))
                return -1;
            write_inode(&b, nodes[i].ino, (uint16_t)(MFS_S_IFREG | (f->mode & 07777)),
                        (uint32_t)f->size, 1, zone);
            continue;
        }
        /* A directory: ".", "..", then its children; links = 2 + subdirectories. */
        size_t cap = 2, n = 0;
        for (int j = 1; j < nnodes; j++)
            cap += nodes[j].parent == i;
        uint8_t *dir = calloc(cap, MFS_DIRENT_SIZE);
        if (!dir)
            return fail(&b, "out of memory");
        int subdirs = 0;
        put16(dir + 16 * n, (uint16_t)nodes[i].ino);
        memcpy(dir + 16 * n++ + 2, ".", 1);
        put16(dir + 16 * n, (uint16_t)nodes[nodes[i].parent].ino);
        memcpy(dir + 16 * n++ + 2, "..", 2);
        for (int j = 1; j < nnodes; j++) {
            if (nodes[j].parent != i)
                continue;
            put16(dir + 16 * n, (uint16_t)nodes[j].ino);
            memcpy(dir + 16 * n++ + 2, nodes[j].name, strlen(nodes[j].name));
            subdirs += nodes[j].is_dir;
        }
        int rc = write_contents(&b, zone, dir, n * MFS_DIRENT_SIZE);
        free(dir);
        if (rc)
            return -1;
        write_inode(&b, nodes[i].ino, MFS_S_IFDIR | 0755, (uint32_t)(n * MFS_DIRENT_SIZE),
                    (uint8_t)(2 + subdirs), zone);
    }
    return 0;
}
