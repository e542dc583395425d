/*
 * minixfs_read.c - reads and checks a MINIX v1 file system image held in memory.
 *
 * Written independently of the builder's internals (it decodes the bytes, it does not
 * share tables with minixfs_build.c), so the round-trip test checks the format, not only
 * that the two halves agree with themselves.
 */
#include "minixfs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }

static const uint8_t *block(const struct mfs_reader *r, uint32_t blk)
{
    if ((size_t)(blk + 1) * MFS_BLOCK > r->size)
        return NULL;
    return r->img + (size_t)blk * MFS_BLOCK;
}

int mfs_open(struct mfs_reader *r, const uint8_t *img, size_t size, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->img = img;
    r->size = size;
    const uint8_t *p = block(r, 1);
    if (!p) {
        snprintf(err, errlen, "image too small for a super block");
        return -1;
    }
    struct mfs_super *sb = &r->sb;
    sb->ninodes = get16(p + MFS_SB_NINODES);
    sb->nzones = get16(p + MFS_SB_NZONES);
    sb->imap_blocks = get16(p + MFS_SB_IMAP_BLOCKS);
    sb->zmap_blocks = get16(p + MFS_SB_ZMAP_BLOCKS);
    sb->firstdatazone = get16(p + MFS_SB_FIRSTDATAZONE);
    sb->log_zone_size = get16(p + MFS_SB_LOG_ZONE_SIZE);
    sb->max_size = get32(p + MFS_SB_MAX_SIZE);
    sb->magic = get16(p + MFS_SB_MAGIC);
    sb->state = get16(p + MFS_SB_STATE);
    if (sb->magic != MFS_MAGIC) {
        snprintf(err, errlen, "bad magic 0x%04x (want 0x%04x)", sb->magic, MFS_MAGIC);
        return -1;
    }
    if (sb->log_zone_size != 0) {
        snprintf(err, errlen, "zones of 2^%u blocks are not supported", sb->log_zone_size);
        return -1;
    }
    r->inode_table = 2u + sb->imap_blocks + sb->zmap_blocks;
    uint32_t itable_blocks = (sb->ninodes * MFS_INODE_SIZE + MFS_BLOCK - 1) / MFS_BLOCK;
    if (r->inode_table + itable_blocks != sb->firstdatazone || sb->firstdatazone >= sb->nzones) {
        snprintf(err, errlen, "inconsistent layout (first data zone %u, inode table at %u+%u, %u zones)",
                 sb->firstdatazone, r->inode_table, itable_blocks, sb->nzones);
        return -1;
    }
    if ((size_t)sb->nzones * MFS_BLOCK > size) {
        snprintf(err, errlen, "image holds %zu bytes but the super block says %u zones", size, sb->nzones);
        return -1;
    }
    return 0;
}

int mfs_read_inode(const struct mfs_reader *r, uint32_t ino, struct mfs_inode *out)
{
    if (ino == 0 || ino > r->sb.ninodes)
        return -1;
    uint32_t off = (ino - 1) * MFS_INODE_SIZE;
    const uint8_t *p = block(r, r->inode_table + off / MFS_BLOCK);
    if (!p)
        return -1;
    p += off % MFS_BLOCK;
    out->mode = get16(p);
    out->uid = get16(p + 2);
    out->size = get32(p + 4);
    out->mtime = get32(p + 8);
    out->gid = p[12];
    out->nlinks = p[13];
    for (int i = 0; i < 9; i++)
        out->zone[i] = get16(p + 14 + 2 * i);
    return 0;
}

/* Entry i of the indirect block in zone z (0 if z is 0), -1 if z is out of range. */
static int32_t indirect(const struct mfs_reader *r, uint32_t z, uint32_t i)
{
    if (!z)
        return 0;
    if (z < r->sb.firstdatazone || z >= r->sb.nzones)
        return -1;
    return get16(block(r, z) + 2 * i);
}

int32_t mfs_bmap(const struct mfs_reader *r, const struct mfs_inode *in, uint32_t blk)
{
    int32_t z;
    if (blk < MFS_NDIRECT) {
        z = in->zone[blk];
    } else if ((blk -= MFS_NDIRECT) < MFS_PER_INDIRECT) {
        z = indirect(r, in->zone[7], blk);
    } else {
        blk -= MFS_PER_INDIRECT;
        if (blk >= MFS_PER_INDIRECT * MFS_PER_INDIRECT)
            return 0;
        int32_t mid = indirect(r, in->zone[8], blk / MFS_PER_INDIRECT);
        z = mid < 0 ? -1 : indirect(r, (uint32_t)mid, blk % MFS_PER_INDIRECT);
    }
    if (z > 0 && (z < r->sb.firstdatazone || z >= r->sb.nzones))
        return -1;
    return z;
}

long mfs_read(const struct mfs_reader *r, const struct mfs_inode *in, uint32_t off, void *buf, size_t n)
{
    if (off >= in->size)
        return 0;
    if (n > in->size - off)
        n = in->size - off;
    uint8_t *out = buf;
    size_t done = 0;
    while (done < n) {
        uint32_t pos = off + (uint32_t)done, in_blk = pos % MFS_BLOCK;
        size_t chunk = MFS_BLOCK - in_blk;
        if (chunk > n - done)
            chunk = n - done;
        int32_t z = mfs_bmap(r, in, pos / MFS_BLOCK);
        if (z < 0)
            return -1;
        if (z == 0)
            memset(out + done, 0, chunk);               /* a hole reads as zeros */
        else
            memcpy(out + done, block(r, (uint32_t)z) + in_blk, chunk);
        done += chunk;
    }
    return (long)done;
}

/* Looks name (len bytes) up in directory inode dir; returns its inode or 0. */
static uint32_t dir_find(const struct mfs_reader *r, uint32_t dir, const char *name, size_t len)
{
    struct mfs_inode in;
    if (len > MFS_NAME_LEN || mfs_read_inode(r, dir, &in) || (in.mode & MFS_S_IFMT) != MFS_S_IFDIR)
        return 0;
    uint8_t e[MFS_DIRENT_SIZE];
    for (uint32_t off = 0; off + MFS_DIRENT_SIZE <= in.size; off += MFS_DIRENT_SIZE) {
        if (mfs_read(r, &in, off, e, sizeof e) != (long)sizeof e)
            return 0;
        uint16_t ino = get16(e);
        if (ino && !strncmp((const char *)e + 2, name, len) && (len == MFS_NAME_LEN || e[2 + len] == 0))
            return ino;
    }
    return 0;
}

uint32_t mfs_lookup(const struct mfs_reader *r, const char *path)
{
    uint32_t ino = MFS_ROOT_INO;
    while (*path == '/')
        path++;
    while (*path && ino) {
        size_t len = strcspn(path, "/");
        ino = dir_find(r, ino, path, len);
        path += len;
        while (*path == '/')
            path++;
    }
    return ino;
}

/* State of a whole-image check. */
struct check {
    const struct mfs_reader *r;
    uint8_t *ino_refs;          /* directory entries naming each inode */
    uint8_t *ino_seen;          /* inode visited by the walk */
    uint8_t *zone_used;
    int errors;
    int listing;
};

static void problem(struct check *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fsck: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    c->errors++;
}

static void claim_zone(struct check *c, uint32_t ino, uint32_t z)
{
    if (z < c->r->sb.firstdatazone || z >= c->r->sb.nzones)
        problem(c, "inode %u: zone %u out of range", ino, z);
    else if (c->zone_used[z]++)
        problem(c, "inode %u: zone %u used twice", ino, z);
}

/* Marks every zone of the inode (data and indirect) and checks the size against them. */
static void claim_zones(struct check *c, uint32_t ino, const struct mfs_inode *in)
{
    uint32_t blocks = (in->size + MFS_BLOCK - 1) / MFS_BLOCK, last = 0;
    for (int i = 0; i < 9; i++) {
        if (!in->zone[i])
            continue;
        claim_zone(c, ino, in->zone[i]);
        if (i < 7)
            last = (uint32_t)i + 1;
    }
    const struct mfs_reader *r = c->r;
    if (in->zone[7] && in->zone[7] >= r->sb.firstdatazone && in->zone[7] < r->sb.nzones)
        for (uint32_t i = 0; i < MFS_PER_INDIRECT; i++)
            if (indirect(r, in->zone[7], i) > 0) {
                claim_zone(c, ino, (uint32_t)indirect(r, in->zone[7], i));
                last = MFS_NDIRECT + i + 1;
            }
    if (in->zone[8] && in->zone[8] >= r->sb.firstdatazone && in->zone[8] < r->sb.nzones)
        for (uint32_t i = 0; i < MFS_PER_INDIRECT; i++) {
            int32_t mid = indirect(r, in->zone[8], i);
            if (mid <= 0)
                continue;
            claim_zone(c, ino, (uint32_t)mid);
            if ((uint32_t)mid < r->sb.firstdatazone || (uint32_t)mid >= r->sb.nzones)
                continue;
            for (uint32_t j = 0; j < MFS_PER_INDIRECT; j++)
                if (indirect(r, (uint32_t)mid, j) > 0) {
                    claim_zone(c, ino, (uint32_t)indirect(r, (uint32_t)mid, j));
                    last = MFS_NDIRECT + MFS_PER_INDIRECT + i * MFS_PER_INDIRECT + j + 1;
                }
        }
    if (last > blocks)
        problem(c, "inode %u: zones mapped past its size %u", ino, in->size);
}

static void walk(struct check *c, uint32_t dir, uint32_t parent, const char *path, int depth)
{
    struct mfs_inode in;
    if (depth > 32) {
        problem(c, "%s: directories nested too deep (a loop?)", path);
        return;
    }
    mfs_read_inode(c->r, dir, &in);
    if (in.size % MFS_DIRENT_SIZE)
        problem(c, "%s: directory size %u not a multiple of %u", path, in.size, MFS_DIRENT_SIZE);
    uint8_t e[MFS_DIRENT_SIZE];
    for (uint32_t off = 0; off + MFS_DIRENT_SIZE <= in.size; off += MFS_DIRENT_SIZE) {
        if (mfs_read(c->r, &in, off, e, sizeof e) != (long)sizeof e) {
            problem(c, "%s: unreadable directory", path);
            return;
        }
        uint32_t ino = get16(e);
        if (!ino)
            continue;
        char name[MFS_NAME_LEN + 1] = { 0 };
        memcpy(name, e + 2, MFS_NAME_LEN);
        if (ino > c->r->sb.ninodes) {
            problem(c, "%s/%s: inode %u out of range", path, name, ino);
            continue;
        }
        c->ino_refs[ino]++;
        if (!strcmp(name, ".")) {
            if (ino != dir)
                problem(c, "%s: '.' is inode %u, not %u", path, ino, dir);
            continue;
        }
        if (!strcmp(name, "..")) {
            if (ino != parent)
                problem(c, "%s: '..' is inode %u, not %u", path, ino, parent);
            continue;
        }
        struct mfs_inode child;
        mfs_read_inode(c->r, ino, &child);
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", dir == MFS_ROOT_INO ? "" : path, name);
        if (c->listing)
            printf("%5u %06o %8u %s\n", ino, child.mode, child.size, sub);
        if (c->ino_seen[ino]++) {
            if ((child.mode & MFS_S_IFMT) == MFS_S_IFDIR)
                problem(c, "%s: directory linked twice", sub);
            continue;
        }
        claim_zones(c, ino, &child);
        if ((child.mode & MFS_S_IFMT) == MFS_S_IFDIR)
            walk(c, ino, dir, sub, depth + 1);
        else if ((child.mode & MFS_S_IFMT) != MFS_S_IFREG)
            problem(c, "%s: mode %06o is neither a file nor a directory", sub, child.mode);
    }
}

static int bit(const uint8_t *map, uint32_t i) { return map[i / 8] >> (i % 8) & 1; }

int mfs_check(const struct mfs_reader *r, int listing)
{
    struct check c = { .r = r, .listing = listing };
    c.ino_refs = calloc(r->sb.ninodes + 1u, 1);
    c.ino_seen = calloc(r->sb.ninodes + 1u, 1);
    c.zone_used = calloc(r->sb.nzones, 1);
    if (!c.ino_refs || !c.ino_seen || !c.zone_used) {
        fprintf(stderr, "fsck: out of memory\n");
        return 1;
    }
    struct mfs_inode root;
    mfs_read_inode(r, MFS_ROOT_INO, &root);
    if ((root.mode & MFS_S_IFMT) != MFS_S_IFDIR) {
        problem(&c, "root inode is not a directory (mode %06o)", root.mode);
    } else {
        c.ino_seen[MFS_ROOT_INO] = 1;           /* its own ".." stands for the parent entry */
        claim_zones(&c, MFS_ROOT_INO, &root);
        walk(&c, MFS_ROOT_INO, MFS_ROOT_INO, "", 0);
    }

    /* Bitmaps against what the walk found; then link counts. */
    const uint8_t *imap = block(r, 2), *zmap = block(r, 2u + r->sb.imap_blocks);
    if (!bit(imap, 0) || !bit(zmap, 0))
        problem(&c, "bit 0 of a bitmap is clear (it is reserved)");
    for (uint32_t i = 1; i <= r->sb.ninodes; i++) {
        if (bit(imap, i) != !!c.ino_seen[i])
            problem(&c, "inode %u: bitmap says %s, tree says %s", i, bit(imap, i) ? "used" : "free",
                    c.ino_seen[i] ? "used" : "free");
        if (!c.ino_seen[i])
            continue;
        struct mfs_inode in;
        mfs_read_inode(r, i, &in);
        if (in.nlinks != c.ino_refs[i])
            problem(&c, "inode %u: %u links recorded, %u found", i, in.nlinks, c.ino_refs[i]);
    }
    for (uint32_t z = r->sb.firstdatazone; z < r->sb.nzones; z++) {
        uint32_t b = z - r->sb.firstdatazone + 1;
        if (bit(zmap, b) != !!c.zone_used[z])
            problem(&c, "zone %u: bitmap says %s, files say %s", z, bit(zmap, b) ? "used" : "free",
                    c.zone_used[z] ? "used" : "free");
    }
    free(c.ino_refs);
    free(c.ino_seen);
    free(c.zone_used);
    return c.errors;
}
