/* Disk images: geometry rules, the copy-on-write overlay (the file is never touched unless
 * FILE,rw), the --append command-line block, and the errors a user can cause. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/disk.h"
#include "test.h"

static char tmpdir[] = "/tmp/pw_disk_XXXXXX";

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static uint64_t file_hash(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint64_t h = 1469598103934665603ull;
    int ch;
    while ((ch = fgetc(f)) != EOF)
        h = (h ^ (uint8_t)ch) * 1099511628211ull;
    fclose(f);
    return h;
}

/* Writes a file of n bytes of a pseudo-random pattern; returns its path. */
static const char *make_file(const char *name, size_t n, uint32_t seed, const char *lba1)
{
    static char path[4][256];
    static int k;
    char *p = path[k++ & 3];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        uint8_t b = (uint8_t)(seed >> 16);
        if (lba1 && i >= 512 && i < 512 + strlen(lba1))
            b = (uint8_t)lba1[i - 512];
        fputc(b, f);
    }
    fclose(f);
    return p;
}

static void geometry_rules(void)
{
    char err[200];
    struct disk_geometry g;
    static const struct { uint64_t bytes; unsigned c, h, s; } fl[] = {
        {368640, 40, 2, 9}, {737280, 80, 2, 9}, {1228800, 80, 2, 15},
        {1474560, 80, 2, 18}, {2949120, 80, 2, 36}};
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++) {
        CHECK_EQ(disk_floppy_geometry(fl[i].bytes, &g, err, sizeof err), 0);
        CHECK_EQ(g.cyls, fl[i].c);
        CHECK_EQ(g.heads, fl[i].h);
        CHECK_EQ(g.spt, fl[i].s);
        CHECK_EQ((uint64_t)g.cyls * g.heads * g.spt * 512, fl[i].bytes);
    }
    CHECK_EQ(disk_floppy_geometry(1474560 + 512, &g, err, sizeof err), -1);
    CHECK(strchr(err, '\n') == NULL && strstr(err, "floppy") != NULL);

    /* Whole cylinders of 16 x 63: what QEMU and BIOSes derive too. */
    CHECK_EQ(disk_hard_geometry(4032, &g, err, sizeof err), 0);
    CHECK_EQ(g.cyls, 4);
    CHECK_EQ(g.heads, 16);
    CHECK_EQ(g.spt, 63);
    CHECK_EQ(disk_hard_geometry(16 * 63 * 1000, &g, err, sizeof err), 0);
    CHECK_EQ(g.cyls, 1000);
    /* Below one cylinder: an exact fit, as large a track as possible. */
    static const uint64_t small[] = {1, 63, 64, 1000, 1007, 1001};
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
        CHECK_EQ(disk_hard_geometry(small[i], &g, err, sizeof err), 0);
        CHECK(g.heads >= 1 && g.heads <= 16 && g.spt >= 1 && g.spt <= 63);
        CHECK_EQ((uint64_t)g.cyls * g.heads * g.spt, small[i]);
    }
    CHECK_EQ(disk_hard_geometry(1000, &g, err, sizeof err), 0);
    CHECK_EQ(g.heads * g.spt, 500);   /* no track of 1000 fits; 10 x 50 does */
    CHECK_EQ(disk_hard_geometry(63, &g, err, sizeof err), 0);
    CHECK_EQ(g.cyls, 1);
    /* Larger sizes that are not whole cylinders: 16 x 63, cylinders rounded down (127^2
     * sectors is an 8 MiB image that a prime-factor rule would turn into 16129/1/1). */
    static const uint64_t odd[] = {1009, 16129, 20000, 16 * 63 * 100 + 16};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        CHECK_EQ(disk_hard_geometry(odd[i], &g, err, sizeof err), 0);
        CHECK_EQ(g.heads, 16);
        CHECK_EQ(g.spt, 63);
        CHECK_EQ(g.cyls, odd[i] / 1008);
    }
    uint64_t big = 16ull * 63 * 70000 + 1;
    CHECK_EQ(disk_hard_geometry(big, &g, err, sizeof err), 0);
    CHECK_EQ(g.heads, 16);
    CHECK_EQ(g.spt, 63);
    CHECK_EQ(g.cyls, 65535);
    CHECK_EQ(disk_hard_geometry(0, &g, err, sizeof err), -1);
    CHECK_EQ(disk_hard_geometry((1ull << 28) + 1, &g, err, sizeof err), -1);

    /* Explicit C/H/S. */
    struct disk_geometry ok = {4, 16, 63}, bad_h = {4, 17, 63}, bad_s = {4, 16, 64},
                         bad_c = {0, 16, 63}, too_big = {5, 16, 63};
    CHECK_EQ(disk_check_chs(4032, &ok, err, sizeof err), 0);
    CHECK_EQ(disk_check_chs(4032, &bad_h, err, sizeof err), -1);
    CHECK(strstr(err, "out of range") != NULL);
    CHECK_EQ(disk_check_chs(4032, &bad_s, err, sizeof err), -1);
    CHECK_EQ(disk_check_chs(4032, &bad_c, err, sizeof err), -1);
    CHECK_EQ(disk_check_chs(4032, &too_big, err, sizeof err), -1);
    CHECK(strstr(err, "needs") != NULL);
}

static void overlay_never_touches_file(void)
{
    char err[300];
    const char *path = make_file("hd.img", 4032 * 512, 7, NULL);
    uint64_t before = file_hash(path);
    struct disk d;
    CHECK_EQ(disk_open(&d, path, DISK_HARD, false, NULL, err, sizeof err), 0);
    CHECK_EQ(d.sectors, 4032);
    CHECK_EQ(d.geom.cyls, 4);

    uint8_t orig[3 * 512], buf[3 * 512], w[3 * 512];
    CHECK_EQ(disk_read(&d, 100, 3, orig), 0);
    for (size_t i = 0; i < sizeof w; i++)
        w[i] = (uint8_t)(i * 31 + 5);
    CHECK_EQ(d.bdev.write(d.bdev.opaque, 101, 3, w), 0);   /* through the block device */
    CHECK_EQ(blockdev_read(&d.bdev, 100, 3, buf), 0);
    CHECK(memcmp(buf, orig, 512) == 0);                    /* sector 100 untouched */
    CHECK(memcmp(buf + 512, w, 1024) == 0);                /* 101, 102 from the overlay */
    CHECK_EQ(d.overlay_sectors, 3);
    /* Out of range is refused. */
    CHECK_EQ(disk_read(&d, 4031, 2, buf), -1);
    CHECK_EQ(disk_write(&d, 4032, 1, w), -1);
    CHECK_EQ(blockdev_write(&d.bdev, 4030, 3, w), -1);
    disk_close(&d);
    CHECK_EQ(file_hash(path), before);

    /* Reopened: the writes are gone. */
    CHECK_EQ(disk_open(&d, path, DISK_HARD, false, NULL, err, sizeof err), 0);
    CHECK_EQ(disk_read(&d, 101, 1, buf), 0);
    CHECK(memcmp(buf, orig + 512, 512) == 0);
    disk_close(&d);

    /* FILE,rw writes through. */
    CHECK_EQ(disk_open(&d, path, DISK_HARD, true, NULL, err, sizeof err), 0);
    CHECK_EQ(disk_write(&d, 101, 1, w), 0);
    disk_close(&d);
    CHECK(file_hash(path) != before);
    CHECK_EQ(disk_open(&d, path, DISK_HARD, false, NULL, err, sizeof err), 0);
    CHECK_EQ(disk_read(&d, 101, 1, buf), 0);
    CHECK(memcmp(buf, w, 512) == 0);
    disk_close(&d);
}

static void append_block(void)
{
    char err[300];
    const char *kpath = make_file("kernel.img", 2016 * 512, 3, "CMDLINE:old words");
    uint64_t before = file_hash(kpath);
    struct disk d;
    CHECK_EQ(disk_open(&d, kpath, DISK_HARD, false, NULL, err, sizeof err), 0);
    CHECK_EQ(disk_set_cmdline(&d, "alloc=buddy invalidate=none", err, sizeof err), 0);
    uint8_t sec[512];
    CHECK_EQ(disk_read(&d, 1, 1, sec), 0);
    CHECK(memcmp(sec, "CMDLINE:alloc=buddy invalidate=none", 35) == 0);
    CHECK_EQ(sec[35], 0);
    CHECK_EQ(fnv(sec + 36, 476), fnv((const uint8_t[476]){0}, 476));  /* zero padded */
    char longer[502];
    memset(longer, 'x', 501);
    longer[501] = 0;
    CHECK_EQ(disk_set_cmdline(&d, longer, err, sizeof err), -1);
    disk_close(&d);
    CHECK_EQ(file_hash(kpath), before);

    /* Even on a writable image the edit stays in the overlay. */
    CHECK_EQ(disk_open(&d, kpath, DISK_HARD, true, NULL, err, sizeof err), 0);
    CHECK_EQ(disk_set_cmdline(&d, "init=/bin/sh", err, sizeof err), 0);
    CHECK_EQ(disk_read(&d, 1, 1, sec), 0);
    CHECK(memcmp(sec, "CMDLINE:init=/bin/sh", 21) == 0);
    disk_close(&d);
    CHECK_EQ(file_hash(kpath), before);

    /* An image without the block is refused. */
    const char *plain = make_file("plain.img", 2016 * 512, 9, NULL);
    CHECK_EQ(disk_open(&d, plain, DISK_HARD, false, NULL, err, sizeof err), 0);
    CHECK_EQ(disk_set_cmdline(&d, "x", err, sizeof err), -1);
    CHECK(strstr(err, "CMDLINE") != NULL && strchr(err, '\n') == NULL);
    disk_close(&d);
}

static void open_errors(void)
{
    char err[300];
    struct disk d;
    char missing[300];
    snprintf(missing, sizeof missing, "%s/nope.img", tmpdir);
    CHECK_EQ(disk_open(&d, missing, DISK_HARD, false, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "nope.img") != NULL && strchr(err, '\n') == NULL);
    const char *empty = make_file("empty.img", 0, 1, NULL);
    CHECK_EQ(disk_open(&d, empty, DISK_HARD, false, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "empty") != NULL);
    CHECK_EQ(disk_open(&d, empty, DISK_FLOPPY, false, NULL, err, sizeof err), -1);
    const char *odd = make_file("odd.img", 1000, 1, NULL);
    CHECK_EQ(disk_open(&d, odd, DISK_HARD, false, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "512") != NULL);
    const char *fl = make_file("fl.img", 1474560 - 512, 1, NULL);
    CHECK_EQ(disk_open(&d, fl, DISK_FLOPPY, false, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "floppy") != NULL);
    const char *hd = make_file("hd2.img", 4032 * 512, 1, NULL);
    struct disk_geometry g = {5, 16, 63};
    CHECK_EQ(disk_open(&d, hd, DISK_HARD, false, &g, err, sizeof err), -1);
    struct disk_geometry g2 = {2, 16, 63};
    CHECK_EQ(disk_open(&d, hd, DISK_HARD, false, &g2, err, sizeof err), 0);
    CHECK_EQ(d.geom.cyls, 2);
    disk_close(&d);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    geometry_rules();
    overlay_never_touches_file();
    append_block();
    open_errors();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return test_summary("test_emu_disk");
}
