/* 8254: counts read at known virtual times in modes 0, 2 and 3, IRQ0 edges and the next
 * event, counter latch, read-back, lobyte access, counter 2 gate and OUT through port 0x61,
 * and the refresh toggle. */
#include "devices/pit8254.h"

#include "test.h"

struct board {
    struct iobus bus;
    struct pit pit;
    uint64_t now;
    bool level;
    int rising;
};

static uint64_t clock_now(void *opaque) { return ((struct board *)opaque)->now; }

static void irq_set_fn(void *opaque, int n, bool level)
{
    struct board *b = opaque;
    if (level && !b->level)
        b->rising++;
    b->level = level;
}

/* The first ns at which the 1.193182 MHz input clock has ticked t times. */
static uint64_t ns_of_tick(uint64_t t)
{
    return (t * 1000000000ull + PIT_HZ - 1) / PIT_HZ;
}

static void at_tick(struct board *b, uint64_t t)
{
    b->now = ns_of_tick(t);
    pit_advance(&b->pit, b->now);
}

static void outb(struct board *b, uint16_t port, uint8_t v) { iobus_write(&b->bus, port, 1, v); }
static uint8_t inb(struct board *b, uint16_t port) { return (uint8_t)iobus_read(&b->bus, port, 1); }

static uint16_t latch_read(struct board *b, int ch)
{
    outb(b, 0x43, (uint8_t)(ch << 6));        /* counter latch command */
    uint8_t lo = inb(b, (uint16_t)(0x40 + ch));
    uint8_t hi = inb(b, (uint16_t)(0x40 + ch));
    return (uint16_t)(lo | hi << 8);
}

static void setup(struct board *b)
{
    b->now = 0;
    b->level = false;
    b->rising = 0;
    iobus_init(&b->bus);
    struct irq_line irq0 = {irq_set_fn, b, 0};
    struct vclock clk = {clock_now, b};
    pit_init(&b->pit, irq0, clk);
    CHECK_EQ(pit_attach(&b->pit, &b->bus), 0);
}

static void test_mode2(struct board *b)
{
    setup(b);
    outb(b, 0x43, 0x34);                      /* counter 0, lobyte/hibyte, mode 2, binary */
    outb(b, 0x40, 0xE8);
    outb(b, 0x40, 0x03);                      /* 1000, written at tick 0: loaded at tick 1 */
    CHECK_EQ(b->rising, 1);                 /* mode 0 -> 2 set OUT high: one edge */
    CHECK_EQ(pit_next_event(&b->pit), ns_of_tick(1001));
    at_tick(b, 1);
    CHECK_EQ(latch_read(b, 0), 1000);
    at_tick(b, 251);
    CHECK_EQ(latch_read(b, 0), 750);
    at_tick(b, 1000);
    CHECK_EQ(latch_read(b, 0), 1);            /* OUT low during count 1 */
    CHECK(!pit_peek_out(&b->pit, 0));
    CHECK_EQ(b->rising, 1);
    at_tick(b, 1001);                         /* reload: OUT rises, IRQ0 edge */
    CHECK_EQ(latch_read(b, 0), 1000);
    CHECK_EQ(b->rising, 2);
    CHECK(pit_peek_out(&b->pit, 0));
    CHECK_EQ(pit_next_event(&b->pit), ns_of_tick(2001));
    /* Advancing event by event gives one edge per period. */
    for (int i = 0; i < 5; i++)
        pit_advance(&b->pit, pit_next_event(&b->pit));
    CHECK_EQ(b->rising, 7);
    CHECK_EQ(b->pit.irq0_edges, 7);
    /* A new count takes effect at the end of the current cycle. */
    at_tick(b, 6101);
    outb(b, 0x40, 0x64);
    outb(b, 0x40, 0x00);                      /* 100 */
    CHECK_EQ(latch_read(b, 0), 900);
    CHECK_EQ(pit_next_event(&b->pit), ns_of_tick(7001));
    at_tick(b, 7001);
    CHECK_EQ(latch_read(b, 0), 100);
    CHECK_EQ(pit_next_event(&b->pit), ns_of_tick(7101));
}

static void test_mode3(struct board *b)
{
    setup(b);
    outb(b, 0x43, 0x36);                      /* counter 0, lo/hi, mode 3 */
    outb(b, 0x40, 100);
    outb(b, 0x40, 0);
    at_tick(b, 1);
    CHECK_EQ(latch_read(b, 0), 100);
    CHECK(pit_peek_out(&b->pit, 0));
    at_tick(b, 11);
    CHECK_EQ(latch_read(b, 0), 80);           /* counts by two */
    at_tick(b, 50);
    CHECK(pit_peek_out(&b->pit, 0));
    at_tick(b, 51);                           /* second half: OUT low, count reloaded */
    CHECK(!pit_peek_out(&b->pit, 0));
    CHECK_EQ(latch_read(b, 0), 100);
    CHECK_EQ(b->rising, 1);
    at_tick(b, 101);
    CHECK(pit_peek_out(&b->pit, 0));
    CHECK_EQ(b->rising, 2);
    /* A jump over many periods still produces an edge and counts them all. */
    at_tick(b, 1001);
    CHECK_EQ(b->rising, 3);
    CHECK_EQ(b->pit.irq0_edges, 11);
    /* Read-back status of counter 0: OUT high, count loaded, lo/hi, mode 3, binary. */
    outb(b, 0x43, 0xE2);                      /* read-back: status only, counter 0 */
    CHECK_EQ(inb(b, 0x40), 0x80 | 0x30 | 0x06);
    /* Odd count: high for (N+1)/2 clocks, low for (N-1)/2. */
    outb(b, 0x43, 0x36);
    outb(b, 0x40, 5);
    outb(b, 0x40, 0);                         /* written at tick 1001: loaded at 1002 */
    at_tick(b, 1004);
    CHECK(pit_peek_out(&b->pit, 0));
    at_tick(b, 1005);
    CHECK(!pit_peek_out(&b->pit, 0));
    at_tick(b, 1007);
    CHECK(pit_peek_out(&b->pit, 0));
}

static void test_mode0_and_latch(struct board *b)
{
    setup(b);
    at_tick(b, 10);
    outb(b, 0x43, 0x30);                      /* counter 0, lo/hi, mode 0: OUT low */
    CHECK(!pit_peek_out(&b->pit, 0));
    outb(b, 0x40, 0xF4);
    outb(b, 0x40, 0x01);                      /* 500 */
    CHECK_EQ(pit_next_event(&b->pit), ns_of_tick(511));
    at_tick(b, 111);
    outb(b, 0x43, 0x00);                      /* latch at 400 */
    at_tick(b, 211);
    CHECK_EQ(inb(b, 0x40), 400 & 0xFF);
    at_tick(b, 311);
    CHECK_EQ(inb(b, 0x40), 400 >> 8);         /* still the latched value */
    CHECK_EQ(latch_read(b, 0), 200);          /* the latch is released: live again */
    at_tick(b, 510);
    CHECK(!pit_peek_out(&b->pit, 0));
    CHECK_EQ(b->rising, 0);
    at_tick(b, 511);                          /* terminal count: OUT rises, IRQ0 */
    CHECK(pit_peek_out(&b->pit, 0));
    CHECK_EQ(b->rising, 1);
    CHECK_EQ(pit_next_event(&b->pit), VTIME_NEVER);
    at_tick(b, 611);
    CHECK_EQ(latch_read(b, 0), 0x10000 - 100); /* counting on, wrapped */
    CHECK_EQ(b->rising, 1);
    /* Read-back latching count and status of counter 0 together: status first. */
    outb(b, 0x43, 0xC2);
    CHECK_EQ(inb(b, 0x40), 0x80 | 0x30 | 0x00);
    CHECK_EQ(inb(b, 0x40), (0x10000 - 100) & 0xFF);
    CHECK_EQ(inb(b, 0x40), (0x10000 - 100) >> 8);
}

static void test_lobyte_and_bcd(struct board *b)
{
    setup(b);
    outb(b, 0x43, 0x54);                      /* counter 1, lobyte only, mode 2 */
    outb(b, 0x41, 18);
    at_tick(b, 6);
    outb(b, 0x43, 0x40);
    CHECK_EQ(inb(b, 0x41), 13);
    CHECK_EQ(inb(b, 0x41), 13);               /* lobyte mode: each read is the low byte */
    outb(b, 0x43, 0x75);                      /* counter 1, lo/hi, mode 2, BCD */
    outb(b, 0x41, 0x00);
    outb(b, 0x41, 0x10);                      /* BCD 1000 */
    at_tick(b, 6 + 1 + 11);
    CHECK_EQ(latch_read(b, 1), 0x0989);
}

static void test_port61(struct board *b)
{
    setup(b);
    CHECK_EQ(inb(b, 0x61) & 0x20, 0);
    outb(b, 0x43, 0xB0);                      /* counter 2, lo/hi, mode 0 */
    outb(b, 0x42, 100);
    outb(b, 0x42, 0);                         /* gate low: loaded but not counting */
    at_tick(b, 500);
    CHECK_EQ(latch_read(b, 2), 100);
    CHECK_EQ(inb(b, 0x61) & 0x20, 0);
    outb(b, 0x61, 0x01);                      /* gate high at tick 500 */
    CHECK_EQ(inb(b, 0x61) & 0x01, 0x01);
    at_tick(b, 599);
    CHECK_EQ(latch_read(b, 2), 1);
    CHECK_EQ(inb(b, 0x61) & 0x20, 0);
    at_tick(b, 600);
    CHECK_EQ(inb(b, 0x61) & 0x20, 0x20);      /* counter 2 OUT readable in bit 5 */
    CHECK_EQ(b->rising, 0);                   /* counter 2 does not touch IRQ0 */
    CHECK(!pit_speaker_level(&b->pit));
    outb(b, 0x61, 0x03);
    CHECK(pit_speaker_level(&b->pit));
    /* Refresh toggles: bit 4 changes as virtual time passes (about every 15 us). */
    b->now = 1000000;
    uint8_t r0 = inb(b, 0x61) & 0x10;
    b->now += 15085;
    uint8_t r1 = inb(b, 0x61) & 0x10;
    CHECK(r0 != r1);
    /* Gate low stops mode 2 with OUT high; a rising gate restarts the count. */
    outb(b, 0x43, 0xB4);                      /* counter 2, mode 2 */
    outb(b, 0x42, 50);
    outb(b, 0x42, 0);
    uint64_t t = b->pit.ch[2].last_tick;
    at_tick(b, t + 20);
    CHECK_EQ(latch_read(b, 2), 50 - 19);
    outb(b, 0x61, 0x00);
    at_tick(b, t + 200);
    CHECK_EQ(latch_read(b, 2), 50 - 19);
    CHECK(pit_peek_out(&b->pit, 2));
    outb(b, 0x61, 0x01);
    at_tick(b, t + 201);
    CHECK_EQ(latch_read(b, 2), 50);
}

/* Counter 2 in the gate-driven and strobe modes. */
static void test_modes_1_4_5(struct board *b)
{
    setup(b);
    at_tick(b, 100);
    outb(b, 0x43, 0x92);                      /* counter 2, lobyte, mode 1 */
    outb(b, 0x42, 10);
    at_tick(b, 150);
    CHECK(pit_peek_out(&b->pit, 2));          /* waiting for a trigger: OUT high */
    outb(b, 0x61, 0x01);                      /* gate rising at 150: loaded at 151 */
    at_tick(b, 151);
    CHECK(!pit_peek_out(&b->pit, 2));
    at_tick(b, 160);
    CHECK(!pit_peek_out(&b->pit, 2));
    outb(b, 0x43, 0x80);                      /* latch counter 2; lobyte access: one read */
    CHECK_EQ(inb(b, 0x42), 1);
    at_tick(b, 161);
    CHECK(pit_peek_out(&b->pit, 2));          /* one-shot over */
    outb(b, 0x61, 0x00);
    at_tick(b, 170);
    outb(b, 0x61, 0x01);                      /* retrigger */
    at_tick(b, 175);
    CHECK(!pit_peek_out(&b->pit, 2));
    at_tick(b, 181);
    CHECK(pit_peek_out(&b->pit, 2));

    outb(b, 0x43, 0x98);                      /* counter 2, lobyte, mode 4 (gate high) */
    CHECK(pit_peek_out(&b->pit, 2));
    outb(b, 0x42, 5);                         /* written at 181: loaded at 182 */
    at_tick(b, 186);
    CHECK(pit_peek_out(&b->pit, 2));
    at_tick(b, 187);
    CHECK(!pit_peek_out(&b->pit, 2));         /* one clock low at terminal count */
    at_tick(b, 188);
    CHECK(pit_peek_out(&b->pit, 2));
    at_tick(b, 300);
    CHECK(pit_peek_out(&b->pit, 2));

    outb(b, 0x61, 0x00);
    outb(b, 0x43, 0x9A);                      /* counter 2, lobyte, mode 5 */
    outb(b, 0x42, 3);
    at_tick(b, 400);
    CHECK(pit_peek_out(&b->pit, 2));
    outb(b, 0x61, 0x01);                      /* trigger at 400: loaded at 401 */
    at_tick(b, 404);
    CHECK(!pit_peek_out(&b->pit, 2));
    at_tick(b, 405);
    CHECK(pit_peek_out(&b->pit, 2));
    /* Mode 0 on counter 0 through IRQ0: strobe modes on counter 0 pulse it too. */
    outb(b, 0x43, 0x18);                      /* counter 0, lobyte, mode 4 */
    int r = b->rising;
    outb(b, 0x40, 2);                         /* loaded at 406, low at 408, high at 409 */
    CHECK_EQ(pit_next_event(&b->pit), ns_of_tick(409));
    at_tick(b, 409);
    CHECK_EQ(b->rising, r + 1);
}

int main(void)
{
    static struct board b;
    test_mode2(&b);
    test_mode3(&b);
    test_mode0_and_latch(&b);
    test_lobyte_and_bcd(&b);
    test_port61(&b);
    test_modes_1_4_5(&b);
    return test_summary("test_dev_pit");
}
