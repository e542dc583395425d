/* All devices of a PC on one bus, driven by a deterministic stream of random port accesses,
 * host inputs, INTA cycles and time steps, as a misbehaving guest would. After every step
 * the devices' invariants are checked (and ASan/UBSan watch the memory accesses in make
 * test): the INTR the PIC reported matches its state, time events lie in the future, ATA
 * never shows BSY and DRQ together, queues stay within their bounds. */
#include "devices/ata.h"
#include "devices/cmos.h"
#include "devices/fdc_stub.h"
#include "devices/kbd8042.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/sysports.h"
#include "devices/uart16550.h"
#include "devices/vga_text.h"

#include <string.h>

#include "test.h"

#define DISK_SECTORS 256

struct board {
    struct iobus bus;
    struct pic pic;
    struct pit pit;
    struct kbd kbd;
    struct vga vga;
    struct uart com1;
    struct cmos cmos;
    struct ata_channel ata;
    struct fdc_stub fdc;
    struct sysports sys;
    struct blockdev bd;
    uint8_t disk[DISK_SECTORS * 512];
    uint64_t now;
    bool intr;
    uint64_t rng;
};

static uint64_t clock_now(void *o) { return ((struct board *)o)->now; }
static void intr_fn(void *o, bool level) { ((struct board *)o)->intr = level; }
static int disk_read(void *o, uint64_t lba, unsigned n, void *buf)
{
    memcpy(buf, ((struct board *)o)->disk + lba * 512, n * 512);
    return 0;
}
static int disk_write(void *o, uint64_t lba, unsigned n, const void *buf)
{
    memcpy(((struct board *)o)->disk + lba * 512, buf, n * 512);
    return 0;
}

static uint32_t rnd(struct board *b)
{
    b->rng ^= b->rng << 13;
    b->rng ^= b->rng >> 7;
    b->rng ^= b->rng << 17;
    return (uint32_t)(b->rng >> 16);
}

static const uint16_t ports[] = {
    0x20, 0x21, 0xA0, 0xA1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x60, 0x64, 0x70, 0x71,
    0x3D4, 0x3D5, 0x3B4, 0x3B5, 0x3DA, 0x3C0, 0x3C1, 0x3C2, 0x3C4, 0x3C5, 0x3C7, 0x3C8,
    0x3C9, 0x3CC, 0x3CE, 0x3CF, 0x3F8, 0x3F9, 0x3FA, 0x3FB, 0x3FC, 0x3FD, 0x3FE, 0x3FF,
    0x1F0, 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F7, 0x3F6, 0x3F7, 0x3F0, 0x3F2,
    0x3F4, 0x3F5, 0x80, 0x92, 0xE9,
};

/* Values that reach the interesting paths more often than uniform bytes would. */
static uint8_t value(struct board *b, uint16_t port)
{
    static const uint8_t ata_cmds[] = {0x20, 0x30, 0xC4, 0xC5, 0xC6, 0x91, 0x10, 0x70,
                                       0x90, 0xEC, 0x40, 0xE7, 0xA1, 0xEF};
    uint32_t r = rnd(b);
    if (port == 0x1F7 && (r & 3))
        return ata_cmds[(r >> 2) % sizeof ata_cmds];
    if (port == 0x3F6 && (r & 3))
        return (uint8_t)((r >> 2) & 0x06);
    if (port == 0x1F2 && (r & 1))
        return (uint8_t)((r >> 1) & 7);
    if (port == 0x1F6 && (r & 1))
        return (uint8_t)(0xE0 | ((r >> 1) & 0x10));
    return (uint8_t)(r >> 8);
}

static void setup(struct board *b)
{
    iobus_init(&b->bus);
    struct vclock clk = {clock_now, b};
    pic_init(&b->pic, intr_fn, b);
    pit_init(&b->pit, pic_irq_line(&b->pic, 0), clk);
    kbd_init(&b->kbd, pic_irq_line(&b->pic, 1), NULL);
    vga_init(&b->vga, clk);
    uart_init(&b->com1, pic_irq_line(&b->pic, 4), NULL, NULL);
    cmos_init(&b->cmos, pic_irq_line(&b->pic, 8), clk, 0);
    ata_init(&b->ata, pic_irq_line(&b->pic, 14), clk);
    fdc_stub_init(&b->fdc);
    sysports_init(&b->sys, NULL);
    b->bd = (struct blockdev){disk_read, disk_write, DISK_SECTORS, false, b};
    CHECK_EQ(ata_attach_drive(&b->ata, 0, &b->bd, 0, 0, 0, NULL), 0);
    ata_reset(&b->ata);
    int r = pic_attach(&b->pic, &b->bus) | pit_attach(&b->pit, &b->bus) |
            kbd_attach(&b->kbd, &b->bus) | vga_attach(&b->vga, &b->bus) |
            uart_attach(&b->com1, &b->bus, 0x3F8, "com1") | cmos_attach(&b->cmos, &b->bus) |
            ata_attach(&b->ata, &b->bus, 0x1F0, 0x3F6) | fdc_stub_attach(&b->fdc, &b->bus) |
            sysports_attach(&b->sys, &b->bus);
    CHECK_EQ(r, 0);
}

static int violations;

static void expect(bool ok, const char *what, unsigned step)
{
    if (!ok && violations++ < 10)
        fprintf(stderr, "step %u: invariant broken: %s\n", step, what);
}

static void check_invariants(struct board *b, unsigned step)
{
    expect(b->intr == pic_intr_pending(&b->pic), "PIC INTR output matches its state", step);
    uint64_t t = pit_next_event(&b->pit);
    expect(t == VTIME_NEVER || t > b->pit.now_ns, "PIT event in the future", step);
    t = cmos_next_event(&b->cmos);
    expect(t == VTIME_NEVER || t > b->cmos.now_ns, "CMOS event in the future", step);
    t = ata_next_event(&b->ata);
    expect(t == VTIME_NEVER || t > b->ata.now_ns, "ATA event in the future", step);
    uint8_t st = b->ata.drive[0].status;
    expect(!((st & ATA_ST_BSY) && (st & ATA_ST_DRQ)), "ATA never BSY and DRQ", step);
    expect(b->ata.buf_pos <= b->ata.buf_len && b->ata.buf_len <= sizeof b->ata.buf,
           "ATA buffer bounds", step);
    expect(b->com1.rx_count <= UART_FIFO, "UART FIFO bound", step);
    expect(!b->com1.irq_level || (b->com1.mcr & UART_MCR_OUT2), "UART IRQ gated by OUT2", step);
    expect(b->kbd.q_count <= KBD_QUEUE && b->kbd.ctl_count <= 4, "8042 queue bounds", step);
    expect(!b->kbd.irq_level || (b->kbd.status & KBD_ST_OBF), "IRQ1 only with OBF", step);
    for (int i = 0; i < 3; i++)
        expect(b->pit.ch[i].mode <= 5, "PIT mode 0-5", step);
}

int main(void)
{
    static struct board b;
    b.rng = 0x9E3779B97F4A7C15ull;
    setup(&b);
    char text[VGA_ROWS * (VGA_COLS + 1) + 1];
    struct vga_screen screen;
    bool seen_in = false, seen_out = false, seen_intr = false;
    for (unsigned step = 0; step < 200000; step++) {
        uint32_t op = rnd(&b) % 100;
        uint16_t port = ports[rnd(&b) % (sizeof ports / sizeof ports[0])];
        if (op < 45) {
            iobus_write(&b.bus, port, 1, value(&b, port));
        } else if (op < 80) {
            (void)iobus_read(&b.bus, port, 1);
        } else if (op < 85) {
            /* Data port words, as REP INSW/OUTSW do. */
            if (rnd(&b) & 1)
                (void)iobus_read(&b.bus, 0x1F0, (rnd(&b) & 1) ? 2 : 4);
            else
                iobus_write(&b.bus, 0x1F0, 2, rnd(&b));
        } else if (op < 90) {
            b.now += rnd(&b) % 200000;
            pit_advance(&b.pit, b.now);
            cmos_advance(&b.cmos, b.now);
            ata_advance(&b.ata, b.now);
        } else if (op < 94) {
            if (b.intr)
                (void)pic_intr_ack(&b.pic);
        } else if (op < 97) {
            (void)kbd_push_scancode(&b.kbd, (uint8_t)rnd(&b));
            (void)uart_receive(&b.com1, (uint8_t)rnd(&b));
        } else if (op < 98) {
            vga_screen_text(&b.vga, text, sizeof text);
            vga_get_screen(&b.vga, &screen);
        } else {
            /* The run loop jumps to the next device event. */
            uint64_t t = pit_next_event(&b.pit);
            uint64_t u = ata_next_event(&b.ata);
            if (u < t)
                t = u;
            if (t != VTIME_NEVER && t - b.now < 100000000ull) {
                b.now = t;
                pit_advance(&b.pit, b.now);
                cmos_advance(&b.cmos, b.now);
                ata_advance(&b.ata, b.now);
            }
        }
        check_invariants(&b, step);
        seen_in |= b.ata.phase == ATA_DATA_IN;
        seen_out |= b.ata.phase == ATA_DATA_OUT;
        seen_intr |= b.intr;
    }
    CHECK_EQ(violations, 0);
    /* The stream did reach the devices: PIO in both directions, interrupts, the timer, the
     * serial line. */
    CHECK(seen_in && seen_out && seen_intr);
    CHECK(b.pit.irq0_edges > 0);
    CHECK(b.com1.tx_count > 0);
    return test_summary("test_dev_fuzz");
}
