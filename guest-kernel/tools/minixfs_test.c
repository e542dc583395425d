/*
 * minixfs_test.c - round trip of the MINIX v1 builder through the independent reader:
 * files of sizes that exercise every zone kind (empty, partial block, exactly 7 direct
 * blocks, single indirect, double indirect), nested directories, layout errors.
 */
#include "minixfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

/* Deterministic, position-dependent contents so a misplaced block is noticed. */
static uint8_t *pattern(size_t n, unsigned seed)
{
    uint8_t *p = malloc(n ? n : 1);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
    return p;
}

static void check_file(const struct mfs_reader *r, const struct mfs_file *f)
{
    uint32_t ino = mfs_lookup(r, f->path);
    CHECK(ino != 0);
    struct mfs_inode in;
    CHECK_EQ(mfs_read_inode(r, ino, &in), 0);
    CHECK_EQ(in.size, f->size);
    CHECK_EQ(in.mode, MFS_S_IFREG | f->mode);
    CHECK_EQ(in.nlinks, 1);
    uint8_t *buf = malloc(f->size + 16);
    CHECK_EQ(mfs_read(r, &in, 0, buf, f->size + 16), f->size);
    CHECK(memcmp(buf, f->data, f->size) == 0);
    /* An unaligned read across a block boundary. */
    if (f->size > 3000) {
        CHECK_EQ(mfs_read(r, &in, 1000, buf, 2000), 2000);
        CHECK(memcmp(buf, f->data + 1000, 2000) == 0);
    }
    free(buf);
}

int main(void)
{
    const size_t sizes[] = { 0, 5, 7 * 1024, 7 * 1024 + 1, 300 * 1024, (7 + 512) * 1024 + 4000, 1200 * 1024 };
    const char *paths[] = { "/empty", "/bin/tiny", "/bin/seven", "/bin/eight", "/etc/motd",
                            "/usr/lib/deep/dind", "/bin/x23456789abcd" };
    enum { N = sizeof sizes / sizeof sizes[0] };
    struct mfs_file files[N];
    for (int i = 0; i < N; i++)
        files[i] = (struct mfs_file){ paths[i], pattern(sizes[i], (unsigned)i), sizes[i], i % 2 ? 0755 : 0644 };

    uint32_t need = mfs_blocks_needed(files, N, 64);
    /* Data + indirect zones: 0, 1, 7, 8+1, 300+1, 523+1+1+1, 1200+1+1+2; directories
     * are counted one zone per path component (9); metadata is sized for the largest
     * file system (boot, super, imap 1, zmap 8, 2 inode blocks = 13). */
    CHECK_EQ(need, 13 + 9 + (0 + 1 + 7 + 9 + 301 + 526 + 1204));
    uint32_t nblocks = need + 10;
    uint8_t *img = calloc(nblocks, MFS_BLOCK);
    char err[256] = "";
    CHECK_EQ(mfs_build(img, nblocks, 64, 12345, files, N, err, sizeof err), 0);
    if (err[0])
        fprintf(stderr, "build: %s\n", err);

    struct mfs_reader r;
    CHECK_EQ(mfs_open(&r, img, (size_t)nblocks * MFS_BLOCK, err, sizeof err), 0);
    CHECK_EQ(r.sb.magic, 0x137F);
    CHECK_EQ(r.sb.ninodes, 64);
    CHECK_EQ(r.sb.nzones, nblocks);
    CHECK_EQ(r.sb.max_size, 268966912u);
    CHECK_EQ(mfs_check(&r, 0), 0);
    for (int i = 0; i < N; i++)
        check_file(&r, &files[i]);

    /* Directories: the root holds ".", "..", empty, bin, etc, usr; links = 2 + subdirs. */
    struct mfs_inode root;
    CHECK_EQ(mfs_read_inode(&r, MFS_ROOT_INO, &root), 0);
    CHECK_EQ(root.mode & MFS_S_IFMT, MFS_S_IFDIR);
    CHECK_EQ(root.size, 6 * 16);
    CHECK_EQ(root.nlinks, 5);
    CHECK_EQ(mfs_lookup(&r, "/usr/lib/deep/.."), mfs_lookup(&r, "/usr/lib"));
    CHECK_EQ(mfs_lookup(&r, "/bin/nosuch"), 0);
    CHECK_EQ(mfs_lookup(&r, "/bin/x23456789abc"), 0);   /* a prefix is not a match */
    CHECK(mfs_lookup(&r, "/bin/x23456789abcd") != 0);   /* a 14-character name */

    /* The double-indirect file really uses zone[8]. */
    struct mfs_inode big;
    mfs_read_inode(&r, mfs_lookup(&r, "/bin/x23456789abcd"), &big);
    CHECK(big.zone[7] != 0 && big.zone[8] != 0);

    /* Corruptions are found: clear a used zone bit, then break a link count. */
    uint8_t *zmap = img + (2u + r.sb.imap_blocks) * MFS_BLOCK;
    zmap[0] &= (uint8_t)~2u;                             /* zone firstdatazone: the root's */
    CHECK(mfs_check(&r, 0) > 0);
    zmap[0] |= 2u;
    CHECK_EQ(mfs_check(&r, 0), 0);
    uint8_t *root_inode = img + (size_t)r.inode_table * MFS_BLOCK;
    root_inode[13]++;
    CHECK(mfs_check(&r, 0) > 0);
    root_inode[13]--;
    img[MFS_BLOCK + MFS_SB_MAGIC] ^= 1;
    CHECK(mfs_open(&r, img, (size_t)nblocks * MFS_BLOCK, err, sizeof err) != 0);

    /* Errors the builder must refuse. */
    memset(img, 0, (size_t)nblocks * MFS_BLOCK);
    CHECK(mfs_build(img, need - 20, 64, 0, files, N, err, sizeof err) != 0);   /* too small */
    struct mfs_file dup[2] = { { "/a", (const uint8_t *)"x", 1, 0644 }, { "/a", (const uint8_t *)"y", 1, 0644 } };
    CHECK(mfs_build(img, 100, 16, 0, dup, 2, err, sizeof err) != 0);
    struct mfs_file longname = { "/abcdefghijklmno", (const uint8_t *)"x", 1, 0644 };
    CHECK(mfs_build(img, 100, 16, 0, &longname, 1, err, sizeof err) != 0);
    struct mfs_file many[20];
    char names[20][8];
    for (int i = 0; i < 20; i++) {
        snprintf(names[i], sizeof names[i], "/f%d", i);
        many[i] = (struct mfs_file){ names[i], (const uint8_t *)"x", 1, 0644 };
    }
    CHECK(mfs_build(img, 100, 16, 0, many, 20, err, sizeof err) != 0);          /* inodes */

    for (int i = 0; i < N; i++)
        free((void *)files[i].data);
    free(img);
    return test_summary("minixfs_test");
}
