/* VGA text: screen text honouring the CRTC start address, cursor registers, the attribute
 * flip-flop reset by input status, retrace bits that change with time, screen cells. */
#include "devices/vga_text.h"

#include <string.h>

#include "test.h"

struct board {
    struct iobus bus;
    struct vga vga;
    uint64_t now;
};

static uint64_t clock_now(void *opaque) { return ((struct board *)opaque)->now; }
static void outb(struct board *b, uint16_t port, uint8_t v) { iobus_write(&b->bus, port, 1, v); }
static uint8_t inb(struct board *b, uint16_t port) { return (uint8_t)iobus_read(&b->bus, port, 1); }

static void put_text(struct vga *v, unsigned cell, const char *s, uint8_t attr)
{
    for (; *s; s++, cell++) {
        v->mem[VGA_TEXT_OFFSET + 2 * cell] = (uint8_t)*s;
        v->mem[VGA_TEXT_OFFSET + 2 * cell + 1] = attr;
    }
}

static void set_crtc(struct board *b, uint8_t idx, uint8_t val)
{
    outb(b, 0x3D4, idx);
    outb(b, 0x3D5, val);
}

int main(void)
{
    static struct board b;
    static char text[VGA_ROWS * (VGA_COLS + 1) + 1];
    iobus_init(&b.bus);
    struct vclock clk = {clock_now, &b};
    vga_init(&b.vga, clk);
    CHECK_EQ(vga_attach(&b.vga, &b.bus), 0);

    /* Blank screen: 25 empty lines. */
    CHECK_EQ(vga_screen_text(&b.vga, text, sizeof text), 25);
    CHECK_EQ(b.vga.mem[VGA_TEXT_OFFSET + 1], 0x07);

    put_text(&b.vga, 0, "Hello", 0x07);
    put_text(&b.vga, 80 + 2, "world\x01", 0x1F);
    put_text(&b.vga, 25 * 80, "below", 0x07);  /* one line past the first screen */
    size_t n = vga_screen_text(&b.vga, text, sizeof text);
    CHECK(strncmp(text, "Hello\n  world.\n\n", 16) == 0);
    CHECK_EQ(n, 6 + 9 + 23);

    /* Scroll by one line through the start address (what 0.11's console does). */
    set_crtc(&b, 0x0C, 0);
    set_crtc(&b, 0x0D, 80);
    CHECK_EQ(vga_start_address(&b.vga), 80);
    vga_screen_text(&b.vga, text, sizeof text);
    CHECK(strncmp(text, "  world.\n", 9) == 0);
    const char *last = text;
    for (int i = 0; i < 24; i++)
        last = strchr(last, '\n') + 1;
    CHECK(strcmp(last, "below\n") == 0);
    /* A start address near the end of the 32 KiB window wraps to its beginning. */
    set_crtc(&b, 0x0C, (16384 - 80) >> 8);
    set_crtc(&b, 0x0D, (16384 - 80) & 0xFF);
    vga_screen_text(&b.vga, text, sizeof text);
    CHECK(strncmp(text, "\nHello\n", 7) == 0);
    /* Truncation keeps a NUL and reports the full size. */
    char small[4];
    CHECK_EQ(vga_screen_text(&b.vga, small, sizeof small), n);
    CHECK_EQ(small[3], '\0');

    /* Cursor location and shape, read back through the CRTC. */
    set_crtc(&b, 0x0C, 0);
    set_crtc(&b, 0x0D, 0);
    set_crtc(&b, 0x0E, 0x00);
    set_crtc(&b, 0x0F, 83);
    outb(&b, 0x3D4, 0x0F);
    CHECK_EQ(inb(&b, 0x3D5), 83);
    iobus_write(&b.bus, 0x3D4, 2, 0x0E0A);     /* word OUT: index 0Ah, data 0Eh */
    CHECK_EQ(b.vga.crtc[0x0A], 0x0E);
    set_crtc(&b, 0x0B, 0x0F);
    struct vga_screen s;
    vga_get_screen(&b.vga, &s);
    CHECK_EQ(s.cursor_row, 1);
    CHECK_EQ(s.cursor_col, 3);
    CHECK(s.cursor_visible);
    CHECK_EQ(s.cursor_start, 14);
    CHECK_EQ(s.cell[1][2].ch, 'w');
    CHECK_EQ(s.cell[1][2].attr, 0x1F);
    set_crtc(&b, 0x0A, 0x20);                  /* cursor off */
    vga_get_screen(&b.vga, &s);
    CHECK(!s.cursor_visible);

    /* Mono alias answers only when the misc register selects mono addressing. */
    CHECK_EQ(inb(&b, 0x3CC) & 1, 1);
    CHECK_EQ(inb(&b, 0x3B5), 0xFF);
    outb(&b, 0x3C2, 0x66);
    outb(&b, 0x3B4, 0x0F);
    CHECK_EQ(inb(&b, 0x3B5), 83);
    outb(&b, 0x3C2, 0x67);

    /* Attribute controller: index/data flip-flop, reset by reading input status 1. */
    outb(&b, 0x3C0, 0x01);
    (void)inb(&b, 0x3DA);
    outb(&b, 0x3C0, 0x21);                     /* index again after the reset */
    outb(&b, 0x3C0, 0x3A);                     /* data */
    CHECK_EQ(b.vga.attr[1], 0x3A);
    CHECK_EQ(inb(&b, 0x3C1), 0x3A);

    /* Retrace: the vertical retrace bit is seen set and clear as time passes. */
    bool seen_set = false, seen_clear = false;
    for (b.now = 0; b.now < 30000000; b.now += 7000) {
        if (inb(&b, 0x3DA) & 0x08)
            seen_set = true;
        else
            seen_clear = true;
    }
    CHECK(seen_set && seen_clear);

    /* The palette: black, light grey, white. */
    CHECK_EQ(vga_palette_rgb[0], 0x000000);
    CHECK_EQ(vga_palette_rgb[7], 0xAAAAAA);
    CHECK_EQ(vga_palette_rgb[15], 0xFFFFFF);
    return test_summary("test_dev_vga");
}
