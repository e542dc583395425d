/* ATA PIO: signature, IDENTIFY words, CHS and LBA reads with DRQ and IRQ per sector,
 * writes, READ/WRITE MULTIPLE, INITIALIZE DEVICE PARAMETERS, range errors, software reset,
 * diagnostics, nIEN, alternate status, absent slave, read-only media, default geometry. */
#include "devices/ata.h"

#include <string.h>

#include "test.h"

#define CYLS 20
#define HEADS 4
#define SPT 17
#define NSECT (CYLS * HEADS * SPT)

struct board {
    struct iobus bus;
    struct ata_channel ata;
    struct blockdev bd;
    uint8_t disk[NSECT * 512];
    uint64_t now;
    bool irq;
    int rising;
};

static uint64_t clock_now(void *opaque) { return ((struct board *)opaque)->now; }
static void irq_fn(void *opaque, int n, bool level)
{
    struct board *b = opaque;
    if (level && !b->irq)
        b->rising++;
    b->irq = level;
}
static int disk_read(void *opaque, uint64_t lba, unsigned count, void *buf)
{
    struct board *b = opaque;
    memcpy(buf, b->disk + lba * 512, count * 512);
    return 0;
}
static int disk_write(void *opaque, uint64_t lba, unsigned count, const void *buf)
{
    struct board *b = opaque;
    memcpy(b->disk + lba * 512, buf, count * 512);
    return 0;
}

static void outb(struct board *b, uint16_t port, uint8_t v) { iobus_write(&b->bus, port, 1, v); }
static uint8_t inb(struct board *b, uint16_t port) { return (uint8_t)iobus_read(&b->bus, port, 1); }
static uint16_t inw(struct board *b) { return (uint16_t)iobus_read(&b->bus, 0x1F0, 2); }
static void outw(struct board *b, uint16_t v) { iobus_write(&b->bus, 0x1F0, 2, v); }

/* Lets the device finish what BSY covers, as the run loop does at ata_next_event. */
static void settle(struct board *b)
{
    uint64_t t = ata_next_event(&b->ata);
    if (t != VTIME_NEVER) {
        b->now = t;
        ata_advance(&b->ata, t);
    }
}

static void setup(struct board *b, bool read_only)
{
    memset(b, 0, sizeof *b);
    for (unsigned s = 0; s < NSECT; s++)
        for (unsigned i = 0; i < 512; i++)
            b->disk[s * 512 + i] = (uint8_t)(i == 0 ? s : i == 1 ? s >> 8 : i + s);
    b->bd = (struct blockdev){disk_read, disk_write, NSECT, read_only, b};
    iobus_init(&b->bus);
    struct irq_line irq14 = {irq_fn, b, 14};
    struct vclock clk = {clock_now, b};
    ata_init(&b->ata, irq14, clk);
    CHECK_EQ(ata_attach_drive(&b->ata, 0, &b->bd, CYLS, HEADS, SPT, "PAGEWALK TEST DISK"), 0);
    ata_reset(&b->ata);
    CHECK_EQ(ata_attach(&b->ata, &b->bus, 0x1F0, 0x3F6), 0);
}

static void task(struct board *b, uint8_t sel, uint8_t count, uint8_t sec, uint16_t cyl)
{
    outb(b, 0x1F6, sel);
    outb(b, 0x1F2, count);
    outb(b, 0x1F3, sec);
    outb(b, 0x1F4, (uint8_t)cyl);
    outb(b, 0x1F5, (uint8_t)(cyl >> 8));
}

/* Reads one 512-byte sector through the data port; true when it is sector 'lba'. */
static bool read_sector_is(struct board *b, unsigned lba)
{
    bool ok = true;
    for (unsigned i = 0; i < 256; i++) {
        uint16_t w = inw(b);
        const uint8_t *want = b->disk + lba * 512 + 2 * i;
        if (w != (uint16_t)(want[0] | want[1] << 8))
            ok = false;
    }
    return ok;
}

static void test_signature_identify(struct board *b)
{
    setup(b, false);
    CHECK_EQ(inb(b, 0x1F2), 1);
    CHECK_EQ(inb(b, 0x1F3), 1);
    CHECK_EQ(inb(b, 0x1F4), 0);
    CHECK_EQ(inb(b, 0x1F5), 0);
    CHECK_EQ(inb(b, 0x1F1), 0x01);
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    outb(b, 0x1F6, 0xA0);
    outb(b, 0x1F7, 0xEC);
    CHECK_EQ(inb(b, 0x3F6) & (ATA_ST_BSY | ATA_ST_DRQ), ATA_ST_BSY);
    CHECK(!b->irq);
    settle(b);
    CHECK(b->irq);
    CHECK_EQ(inb(b, 0x3F6), ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_DRQ);
    CHECK(b->irq);                            /* the alternate status leaves the IRQ */
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_DRQ);
    CHECK(!b->irq);                           /* the status register acknowledges it */
    uint16_t id[256];
    for (int i = 0; i < 256; i++)
        id[i] = inw(b);
    CHECK_EQ(inb(b, 0x1F7) & ATA_ST_DRQ, 0);
    CHECK_EQ(id[0], 0x0040);
    CHECK_EQ(id[1], CYLS);
    CHECK_EQ(id[3], HEADS);
    CHECK_EQ(id[6], SPT);
    CHECK_EQ(id[27], 'P' << 8 | 'A');         /* model: first character in the high byte */
    CHECK_EQ(id[31], ' ' << 8 | 'T');
    CHECK_EQ(id[46], ' ' << 8 | ' ');
    CHECK_EQ(id[47] & 0xFF, ATA_MAX_MULTIPLE);
    CHECK_EQ(id[49] & 0x0200, 0x0200);
    CHECK_EQ(id[54], CYLS);
    CHECK_EQ(id[55], HEADS);
    CHECK_EQ(id[56], SPT);
    CHECK_EQ(id[57] | id[58] << 16, NSECT);
    CHECK_EQ(id[60] | id[61] << 16, NSECT);
}

static void test_reads(struct board *b)
{
    setup(b, false);
    /* CHS: cylinder 1, head 2, sector 3 = LBA (1*4+2)*17+2 = 104; two sectors. */
    task(b, 0xA2, 2, 3, 1);
    outb(b, 0x1F7, 0x20);
    CHECK_EQ(inb(b, 0x1F7) & ATA_ST_BSY, ATA_ST_BSY);
    CHECK_EQ(inw(b), 0xFFFF);                 /* no data while busy */
    settle(b);
    CHECK_EQ(b->rising, 1);
    CHECK_EQ(inb(b, 0x1F7) & (ATA_ST_BSY | ATA_ST_DRQ), ATA_ST_DRQ);
    CHECK(read_sector_is(b, 104));
    CHECK_EQ(inb(b, 0x3F6) & ATA_ST_BSY, ATA_ST_BSY); /* next sector on its way */
    CHECK_EQ(inb(b, 0x1F2), 1);               /* one sector left */
    settle(b);
    CHECK_EQ(b->rising, 2);                   /* one interrupt per sector */
    CHECK_EQ(inb(b, 0x1F7) & ATA_ST_DRQ, ATA_ST_DRQ);
    CHECK(read_sector_is(b, 105));
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    CHECK_EQ(inb(b, 0x1F3), 4);               /* the task file names the last sector */
    CHECK_EQ(inb(b, 0x1F6) & 0x0F, 2);
    CHECK_EQ(inb(b, 0x1F2), 0);
    /* Across a track and a head boundary: sector 17 of head 3, cylinder 0, then (1,0,1). */
    task(b, 0xA3, 2, 17, 0);
    outb(b, 0x1F7, 0x20);
    settle(b);
    CHECK(read_sector_is(b, 3 * 17 + 16));
    settle(b);
    CHECK(read_sector_is(b, 4 * 17));
    CHECK_EQ(inb(b, 0x1F4), 1);
    CHECK_EQ(inb(b, 0x1F6) & 0x0F, 0);
    CHECK_EQ(inb(b, 0x1F3), 1);
    /* LBA28 addressing of the same sector as the first CHS read. */
    task(b, 0xE0, 1, 104, 0);
    outb(b, 0x1F7, 0x20);
    settle(b);
    CHECK(read_sector_is(b, 104));
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    /* 32-bit data reads work too. */
    task(b, 0xE0, 1, 7, 0);
    outb(b, 0x1F7, 0x20);
    settle(b);
    uint32_t d = iobus_read(&b->bus, 0x1F0, 4);
    CHECK_EQ(d, (uint32_t)(b->disk[7 * 512] | b->disk[7 * 512 + 1] << 8 | b->disk[7 * 512 + 2] << 16 |
                           (uint32_t)b->disk[7 * 512 + 3] << 24));
    for (int i = 0; i < 127; i++)
        iobus_read(&b->bus, 0x1F0, 4);
    CHECK_EQ(inb(b, 0x1F7) & ATA_ST_DRQ, 0);
    /* READ VERIFY: no data, one interrupt. */
    int r = b->rising;
    task(b, 0xE0, 10, 0, 1);
    outb(b, 0x1F7, 0x40);
    settle(b);
    CHECK_EQ(b->rising, r + 1);
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
}

static void test_errors(struct board *b)
{
    setup(b, false);
    task(b, 0xE0, 1, NSECT & 0xFF, NSECT >> 8); /* one past the end */
    outb(b, 0x1F7, 0x20);
    settle(b);
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_ERR);
    CHECK_EQ(inb(b, 0x1F1), ATA_ER_IDNF);
    task(b, 0xE0, 2, (NSECT - 1) & 0xFF, (NSECT - 1) >> 8); /* runs past the end */
    outb(b, 0x1F7, 0x20);
    settle(b);
    CHECK_EQ(inb(b, 0x1F1), ATA_ER_IDNF);
    task(b, 0xA0, 1, SPT + 1, 0);             /* sector number beyond the track */
    outb(b, 0x1F7, 0x20);
    settle(b);
    CHECK_EQ(inb(b, 0x1F7) & ATA_ST_ERR, ATA_ST_ERR);
    CHECK_EQ(inb(b, 0x1F1), ATA_ER_IDNF);
    task(b, 0xA0 | HEADS, 1, 1, 0);           /* head beyond the geometry */
    outb(b, 0x1F7, 0x20);
    settle(b);
    CHECK_EQ(inb(b, 0x1F1), ATA_ER_IDNF);
    task(b, 0xA0, 1, 1, CYLS);                /* cylinder beyond */
    outb(b, 0x1F7, 0x70);                     /* SEEK checks the address too */
    settle(b);
    CHECK_EQ(inb(b, 0x1F1), ATA_ER_IDNF);
    outb(b, 0x1F7, 0xC4);                     /* READ MULTIPLE before SET MULTIPLE */
    settle(b);
    CHECK_EQ(inb(b, 0x1F1), ATA_ER_ABRT);
    outb(b, 0x1F7, 0xA1);                     /* IDENTIFY PACKET DEVICE: not ATAPI */
    settle(b);
    CHECK_EQ(inb(b, 0x1F7) & ATA_ST_ERR, ATA_ST_ERR);
    CHECK_EQ(inb(b, 0x1F1), ATA_ER_ABRT);
    outb(b, 0x1F2, 3);                        /* not a power of two */
    outb(b, 0x1F7, 0xC6);
    settle(b);
    CHECK_EQ(inb(b, 0x1F1), ATA_ER_ABRT);
    outb(b, 0x1F7, 0x10);                     /* RECALIBRATE succeeds and clears ERR */
    settle(b);
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    CHECK_EQ(inb(b, 0x1F1), 0);
    setup(b, true);                           /* read-only medium: writes abort */
    task(b, 0xE0, 1, 0, 0);
    outb(b, 0x1F7, 0x30);
    settle(b);
    CHECK_EQ(inb(b, 0x1F1), ATA_ER_ABRT);
    CHECK_EQ(inb(b, 0x1F7) & ATA_ST_DRQ, 0);
}

static void test_writes(struct board *b)
{
    setup(b, false);
    task(b, 0xE0, 2, 50, 0);
    outb(b, 0x1F7, 0x30);
    settle(b);
    CHECK_EQ(b->rising, 0);                   /* no interrupt before the first block */
    CHECK_EQ(inb(b, 0x1F7) & (ATA_ST_BSY | ATA_ST_DRQ), ATA_ST_DRQ);
    for (int i = 0; i < 256; i++)
        outw(b, (uint16_t)(0xA000 + i));
    CHECK_EQ(inb(b, 0x3F6) & ATA_ST_BSY, ATA_ST_BSY);
    settle(b);
    CHECK_EQ(b->rising, 1);                   /* written: DRQ for the next, with IRQ */
    CHECK_EQ(inb(b, 0x1F7) & ATA_ST_DRQ, ATA_ST_DRQ);
    CHECK_EQ(b->disk[50 * 512 + 2], 0x01);
    CHECK_EQ(b->disk[50 * 512 + 3], 0xA0);
    for (int i = 0; i < 256; i++)
        outw(b, (uint16_t)(0xB000 + i));
    settle(b);
    CHECK_EQ(b->rising, 2);                   /* and after the last */
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    CHECK_EQ(b->disk[51 * 512 + 511], 0xB0);
    CHECK_EQ(b->disk[52 * 512 + 0], 52);      /* untouched beyond */
    /* WRITE MULTIPLE after SET MULTIPLE 2: 3 sectors in blocks of 2 and 1. */
    outb(b, 0x1F2, 2);
    outb(b, 0x1F7, 0xC6);
    settle(b);
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    task(b, 0xE0, 3, 60, 0);
    outb(b, 0x1F7, 0xC5);
    settle(b);
    for (int i = 0; i < 512; i++)
        outw(b, 0x1111);
    settle(b);
    CHECK_EQ(inb(b, 0x1F7) & ATA_ST_DRQ, ATA_ST_DRQ);
    for (int i = 0; i < 256; i++)
        outw(b, 0x2222);
    settle(b);
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    CHECK_EQ(b->disk[61 * 512 + 511], 0x11);
    CHECK_EQ(b->disk[62 * 512], 0x22);
    CHECK_EQ(b->disk[63 * 512], 63);
}

static void test_multiple_and_params(struct board *b)
{
    setup(b, false);
    outb(b, 0x1F6, 0xA0);
    outb(b, 0x1F2, 4);
    outb(b, 0x1F7, 0xC6);                     /* SET MULTIPLE MODE 4 */
    settle(b);
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    task(b, 0xE0, 6, 10, 0);
    int r = b->rising;
    outb(b, 0x1F7, 0xC4);                     /* READ MULTIPLE: blocks of 4 and 2 */
    settle(b);
    CHECK_EQ(b->rising, r + 1);
    CHECK_EQ(inb(b, 0x1F7) & ATA_ST_DRQ, ATA_ST_DRQ); /* the driver acknowledges */
    for (unsigned s = 10; s < 14; s++)
        CHECK(read_sector_is(b, s));
    settle(b);
    CHECK_EQ(b->rising, r + 2);
    CHECK(read_sector_is(b, 14));
    CHECK(read_sector_is(b, 15));
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    /* INITIALIZE DEVICE PARAMETERS: 8 heads, 17 sectors; CHS now translates with them. */
    outb(b, 0x1F6, 0xA0 | 7);
    outb(b, 0x1F2, 17);
    outb(b, 0x1F7, 0x91);
    settle(b);
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    task(b, 0xA5, 1, 2, 1);                   /* (1, 5, 2) = (1*8+5)*17+1 = 222 */
    outb(b, 0x1F7, 0x20);
    settle(b);
    CHECK(read_sector_is(b, 222));
    outb(b, 0x1F6, 0xA0);
    outb(b, 0x1F7, 0xEC);
    settle(b);
    uint16_t id[256];
    for (int i = 0; i < 256; i++)
        id[i] = inw(b);
    CHECK_EQ(id[54], NSECT / (8 * 17));
    CHECK_EQ(id[55], 8);
    CHECK_EQ(id[56], 17);
    CHECK_EQ(id[59], 0x0104);                 /* multiple setting valid, 4 */
    CHECK_EQ(id[1], CYLS);                    /* default geometry unchanged */
}

static void test_reset_diag_nien(struct board *b)
{
    setup(b, false);
    task(b, 0xE5, 9, 9, 0x1234);
    outb(b, 0x3F6, ATA_DC_SRST);
    CHECK_EQ(inb(b, 0x3F6) & ATA_ST_BSY, ATA_ST_BSY);
    b->now += 1000000;
    CHECK_EQ(inb(b, 0x3F6) & ATA_ST_BSY, ATA_ST_BSY); /* held while SRST is set */
    outb(b, 0x3F6, 0);
    CHECK_EQ(inb(b, 0x3F6) & ATA_ST_BSY, ATA_ST_BSY);
    settle(b);
    CHECK_EQ(inb(b, 0x3F6), ATA_ST_DRDY | ATA_ST_DSC);
    CHECK_EQ(inb(b, 0x1F2), 1);
    CHECK_EQ(inb(b, 0x1F3), 1);
    CHECK_EQ(inb(b, 0x1F4), 0);
    CHECK_EQ(inb(b, 0x1F5), 0);
    CHECK_EQ(inb(b, 0x1F6) & 0x5F, 0);
    CHECK_EQ(inb(b, 0x1F1), 0x01);
    CHECK_EQ(b->rising, 0);                   /* no interrupt after a software reset */
    /* EXECUTE DEVICE DIAGNOSTIC: the same signature, diagnostic code 01h, interrupt. */
    task(b, 0xB5, 9, 9, 0x1234);
    outb(b, 0x1F7, 0x90);
    settle(b);
    CHECK_EQ(b->rising, 1);
    CHECK_EQ(inb(b, 0x1F1), 0x01);
    CHECK_EQ(inb(b, 0x1F2), 1);
    CHECK_EQ(inb(b, 0x1F6) & 0x10, 0);        /* device 0 selected */
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    /* nIEN: the command completes but the line stays low. */
    outb(b, 0x3F6, ATA_DC_NIEN);
    outb(b, 0x1F7, 0x10);
    settle(b);
    CHECK(!b->irq);
    CHECK_EQ(b->rising, 1);
    outb(b, 0x3F6, 0);                        /* enabling again shows the pending one */
    CHECK(b->irq);
    inb(b, 0x1F7);
    CHECK(!b->irq);
    /* Absent slave: status 00h, commands ignored. */
    outb(b, 0x1F6, 0xB0);
    CHECK_EQ(inb(b, 0x1F7), 0x00);
    outb(b, 0x1F7, 0xEC);
    CHECK_EQ(ata_next_event(&b->ata), VTIME_NEVER);
    CHECK_EQ(inb(b, 0x1F7), 0x00);
    outb(b, 0x1F6, 0xA0);
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    /* Drive address register: head 0, drive 0 selected (active low bits). */
    CHECK_EQ(inb(b, 0x3F7), 0x80 | 0x40 | 0x3C | 0x02);
}

/* A slave next to the master: selected by the DEV bit, its own data and geometry. */
static void test_slave(struct board *b)
{
    setup(b, false);
    static uint8_t disk2[64 * 512];
    static struct blockdev bd2;
    memset(disk2, 0x77, sizeof disk2);
    bd2 = (struct blockdev){disk_read, disk_write, 64, false, NULL};
    /* The slave reuses the board's callbacks over its own array through a second board. */
    static struct board other;
    memset(&other, 0, sizeof other);
    memcpy(other.disk, disk2, sizeof disk2);
    bd2.opaque = &other;
    CHECK_EQ(ata_attach_drive(&b->ata, 1, &bd2, 4, 1, 16, "SLAVE"), 0);
    ata_reset(&b->ata);
    outb(b, 0x1F6, 0xB0);
    CHECK_EQ(inb(b, 0x1F7), ATA_ST_DRDY | ATA_ST_DSC);
    outb(b, 0x1F7, 0xEC);
    settle(b);
    uint16_t id[256];
    for (int i = 0; i < 256; i++)
        id[i] = inw(b);
    CHECK_EQ(id[1], 4);
    CHECK_EQ(id[3], 1);
    CHECK_EQ(id[6], 16);
    CHECK_EQ(id[27], 'S' << 8 | 'L');
    task(b, 0xF0, 1, 5, 0);                   /* LBA 5 on the slave */
    outb(b, 0x1F7, 0x20);
    settle(b);
    CHECK_EQ(inw(b), 0x7777);
    for (int i = 1; i < 256; i++)
        inw(b);
    CHECK_EQ(inb(b, 0x3F7) & 0x03, 0x01);     /* drive 1 selected (active low) */
    task(b, 0xE0, 1, 5, 0);                   /* the same LBA on the master differs */
    outb(b, 0x1F7, 0x20);
    settle(b);
    CHECK(read_sector_is(b, 5));
}

static void test_no_drives_float(void)
{
    static struct iobus bus;
    static struct ata_channel a;
    iobus_init(&bus);
    struct irq_line none = {0};
    struct vclock clk = {0};
    ata_init(&a, none, clk);
    CHECK_EQ(ata_attach(&a, &bus, 0x170, 0x376), 0);
    CHECK_EQ(iobus_read(&bus, 0x177, 1), 0xFF);
    CHECK_EQ(iobus_read(&bus, 0x376, 1), 0xFF);
}

static void test_geometry(void)
{
    unsigned c, h, s;
    ata_default_geometry(20480, &c, &h, &s);  /* 10 MiB: an exact fit exists */
    CHECK_EQ((uint64_t)c * h * s, 20480);
    CHECK(c <= 1024 && h <= 16 && s <= 63);
    ata_default_geometry(4194304, &c, &h, &s); /* 2 GiB: 16 heads, 63 sectors */
    CHECK_EQ(h, 16);
    CHECK_EQ(s, 63);
    CHECK_EQ(c, 4194304 / (16 * 63));
    ata_default_geometry(100000000, &c, &h, &s);
    CHECK_EQ(c, 16383);
    struct blockdev bd = {0};
    bd.sectors = 100;
    static struct ata_channel a;
    struct irq_line none = {0};
    struct vclock clk = {0};
    ata_init(&a, none, clk);
    CHECK_EQ(ata_attach_drive(&a, 0, &bd, 10, 17, 1, NULL), -1); /* 17 heads */
    CHECK_EQ(ata_attach_drive(&a, 0, &bd, 0, 0, 0, NULL), 0);
    CHECK((uint64_t)a.drive[0].cyls * a.drive[0].heads * a.drive[0].spt <= 100);
}

int main(void)
{
    static struct board b;
    test_signature_identify(&b);
    test_reads(&b);
    test_errors(&b);
    test_writes(&b);
    test_multiple_and_params(&b);
    test_reset_diag_nien(&b);
    test_slave(&b);
    test_no_drives_float();
    test_geometry();
    return test_summary("test_dev_ata");
}
