/* CMOS/RTC: time from a fixed epoch advancing with virtual time, BCD and binary, 12/24 hour,
 * the UIP window, setting the clock, update-ended and periodic interrupts, NMI mask, memory
 * size bytes and the checksum. */
#include "devices/cmos.h"

#include <string.h>

#include "test.h"

/* 2024-02-29 23:59:58 UTC, a Thursday: two seconds before a day, month and leap change. */
#define EPOCH 1709251198

struct board {
    struct iobus bus;
    struct cmos cmos;
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
static void outb(struct board *b, uint16_t port, uint8_t v) { iobus_write(&b->bus, port, 1, v); }
static uint8_t inb(struct board *b, uint16_t port) { return (uint8_t)iobus_read(&b->bus, port, 1); }
static uint8_t rd(struct board *b, uint8_t idx) { outb(b, 0x70, idx); return inb(b, 0x71); }
static void wr(struct board *b, uint8_t idx, uint8_t v) { outb(b, 0x70, idx); outb(b, 0x71, v); }

static void setup(struct board *b)
{
    memset(b, 0, sizeof *b);
    iobus_init(&b->bus);
    struct irq_line irq8 = {irq_fn, b, 8};
    struct vclock clk = {clock_now, b};
    cmos_init(&b->cmos, irq8, clk, EPOCH);
    CHECK_EQ(cmos_attach(&b->cmos, &b->bus), 0);
}

static void test_clock(struct board *b)
{
    setup(b);
    CHECK_EQ(rd(b, 0x00), 0x58);              /* BCD seconds */
    CHECK_EQ(rd(b, 0x02), 0x59);
    CHECK_EQ(rd(b, 0x04), 0x23);
    CHECK_EQ(rd(b, 0x06), 5);                 /* Thursday */
    CHECK_EQ(rd(b, 0x07), 0x29);
    CHECK_EQ(rd(b, 0x08), 0x02);
    CHECK_EQ(rd(b, 0x09), 0x24);
    CHECK_EQ(rd(b, 0x32), 0x20);
    CHECK_EQ(rd(b, 0x0D), 0x80);
    b->now = 2000000000ull;                   /* two virtual seconds later */
    CHECK_EQ(rd(b, 0x00), 0x00);
    CHECK_EQ(rd(b, 0x04), 0x00);
    CHECK_EQ(rd(b, 0x07), 0x01);
    CHECK_EQ(rd(b, 0x08), 0x03);
    CHECK_EQ(rd(b, 0x06), 6);
    struct cmos_time t;
    cmos_get_time(&b->cmos, b->now, &t);
    CHECK_EQ(t.year, 2024);
    CHECK_EQ(t.month, 3);
    /* Binary and 12-hour modes. */
    b->now = 0;
    wr(b, 0x0B, 0x04);                        /* binary, 12-hour */
    CHECK_EQ(rd(b, 0x00), 58);
    CHECK_EQ(rd(b, 0x04), 0x80 | 11);         /* 11 PM */
    wr(b, 0x0B, 0x06);                        /* binary, 24-hour */
    CHECK_EQ(rd(b, 0x04), 23);
    wr(b, 0x0B, 0x02);
    /* UIP is set only during the last 244 us before each second. */
    b->now = 500000000ull;
    CHECK_EQ(rd(b, 0x0A) & 0x80, 0);
    b->now = 999900000ull;
    CHECK_EQ(rd(b, 0x0A) & 0x80, 0x80);
    CHECK_EQ(rd(b, 0x0A) & 0x7F, 0x26);
}

static void test_set_clock(struct board *b)
{
    setup(b);
    wr(b, 0x0B, 0x82);                        /* SET: the clock stops updating */
    wr(b, 0x04, 0x12);
    wr(b, 0x02, 0x34);
    wr(b, 0x00, 0x56);
    wr(b, 0x07, 0x15);
    wr(b, 0x08, 0x06);
    wr(b, 0x09, 0x25);
    b->now = 5000000000ull;
    CHECK_EQ(rd(b, 0x00), 0x56);              /* frozen while SET */
    wr(b, 0x0B, 0x02);                        /* run from here */
    b->now += 3000000000ull;
    CHECK_EQ(rd(b, 0x00), 0x59);
    CHECK_EQ(rd(b, 0x02), 0x34);
    CHECK_EQ(rd(b, 0x04), 0x12);
    CHECK_EQ(rd(b, 0x07), 0x15);
    CHECK_EQ(rd(b, 0x08), 0x06);
    CHECK_EQ(rd(b, 0x09), 0x25);
    CHECK_EQ(rd(b, 0x06), 1);                 /* 2025-06-15 is a Sunday */
}

static void test_interrupts(struct board *b)
{
    setup(b);
    wr(b, 0x0B, 0x12);                        /* update-ended interrupt */
    CHECK_EQ(cmos_next_event(&b->cmos), 1000000000ull);
    cmos_advance(&b->cmos, 1000000000ull);
    CHECK(b->irq);
    /* IRQF | UF; PF too: the periodic flag runs at the rate of register A whether or not
     * its interrupt is enabled. All cleared by the read. */
    CHECK_EQ(rd(b, 0x0C), 0x80 | 0x40 | 0x10);
    CHECK(!b->irq);
    CHECK_EQ(rd(b, 0x0C), 0x00);
    wr(b, 0x0B, 0x42);                        /* periodic at 1024 Hz (rate 6) */
    uint64_t t = cmos_next_event(&b->cmos);
    CHECK(t > 1000000000ull && t <= 1000000000ull + 976562); /* period 976.5625 us */
    cmos_advance(&b->cmos, t);
    CHECK(b->irq);
    CHECK_EQ(rd(b, 0x0C) & 0xC0, 0xC0);
    CHECK_EQ(cmos_next_event(&b->cmos), t + 976562);
    /* Alarm at 23:59:59 (BCD; the clock starts at :58): flagged at the next update. */
    setup(b);
    wr(b, 0x01, 0x59);
    wr(b, 0x03, 0x59);
    wr(b, 0x05, 0xC0);                        /* any hour */
    wr(b, 0x0B, 0x22);                        /* alarm interrupt */
    CHECK_EQ(cmos_next_event(&b->cmos), 1000000000ull);
    cmos_advance(&b->cmos, 1000000000ull);
    CHECK(b->irq);
    CHECK_EQ(rd(b, 0x0C) & 0xA0, 0xA0);       /* IRQF | AF */
    cmos_advance(&b->cmos, 2000000000ull);    /* 00:00:00: no match */
    CHECK(!b->irq);
    CHECK_EQ(rd(b, 0x0C) & 0x20, 0);
    wr(b, 0x0B, 0x42);
    wr(b, 0x0A, 0x2F);                        /* rate 15: 2 Hz */
    wr(b, 0x0B, 0x02);
    CHECK_EQ(cmos_next_event(&b->cmos), VTIME_NEVER);
}

static void test_ram(struct board *b)
{
    setup(b);
    outb(b, 0x70, 0x80 | 0x0F);               /* NMI off, shutdown byte */
    CHECK(b->cmos.nmi_disabled);
    outb(b, 0x71, 0x0A);
    CHECK_EQ(cmos_get_byte(&b->cmos, 0x0F), 0x0A);
    CHECK_EQ(inb(b, 0x71), 0x0A);
    outb(b, 0x70, 0x0F);
    CHECK(!b->cmos.nmi_disabled);
    cmos_set_memory(&b->cmos, 32u << 20);
    CHECK_EQ(rd(b, 0x15) | rd(b, 0x16) << 8, 640);
    CHECK_EQ(rd(b, 0x17) | rd(b, 0x18) << 8, 31 * 1024);
    CHECK_EQ(rd(b, 0x30) | rd(b, 0x31) << 8, 31 * 1024);
    CHECK_EQ(rd(b, 0x34) | rd(b, 0x35) << 8, 16 * 16);
    cmos_set_byte(&b->cmos, CMOS_DISK_TYPES, 0xF0);
    cmos_set_byte(&b->cmos, 0x19, 47);
    cmos_update_checksum(&b->cmos);
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2D; i++)
        sum += rd(b, (uint8_t)i);
    CHECK_EQ(rd(b, 0x2E) << 8 | rd(b, 0x2F), sum);
    CHECK(sum >= 0xF0 + 47 + 0x80 + 0x02 + 0x7C);
    /* Drive parameters of a user-defined type 47 disk, unit 1 (D:). */
    cmos_set_disk(&b->cmos, 1, 1000, 16, 63);
    CHECK_EQ(rd(b, 0x12), 0xFF);
    CHECK_EQ(rd(b, 0x1A), 47);
    CHECK_EQ(rd(b, 0x24) | rd(b, 0x25) << 8, 1000);
    CHECK_EQ(rd(b, 0x26), 16);
    CHECK_EQ(rd(b, 0x29), 0x08);
    CHECK_EQ(rd(b, 0x2C), 63);
    sum = 0;
    for (int i = 0x10; i <= 0x2D; i++)
        sum += rd(b, (uint8_t)i);
    CHECK_EQ(rd(b, 0x2E) << 8 | rd(b, 0x2F), sum);
    cmos_set_boot_order(&b->cmos, CMOS_BOOT_DISK, CMOS_BOOT_FLOPPY, 0);
    CHECK_EQ(rd(b, 0x3D), 0x12);
    CHECK_EQ(rd(b, 0x38) & 0xF0, 0);
}

int main(void)
{
    static struct board b;
    test_clock(&b);
    test_set_clock(&b);
    test_interrupts(&b);
    test_ram(&b);
    return test_summary("test_dev_cmos");
}
