/* 8042: self test, interface test, command byte, A20 and reset through the output port,
 * keyboard reset/identify ACKs, IRQ1 on the output buffer, host scancodes and the text
 * helper. */
#include "devices/kbd8042.h"

#include <string.h>

#include "test.h"

struct board {
    struct iobus bus;
    struct kbd kbd;
    bool irq;
    int rising;
    bool a20;
    int a20_calls, resets;
};

static void irq_fn(void *opaque, int n, bool level)
{
    struct board *b = opaque;
    if (level && !b->irq)
        b->rising++;
    b->irq = level;
}
static void a20_fn(void *opaque, bool on) { struct board *b = opaque; b->a20 = on; b->a20_calls++; }
static void reset_fn(void *opaque) { ((struct board *)opaque)->resets++; }

static void outb(struct board *b, uint16_t port, uint8_t v) { iobus_write(&b->bus, port, 1, v); }
static uint8_t inb(struct board *b, uint16_t port) { return (uint8_t)iobus_read(&b->bus, port, 1); }

static void setup(struct board *b)
{
    memset(b, 0, sizeof *b);
    iobus_init(&b->bus);
    struct irq_line irq1 = {irq_fn, b, 1};
    struct kbd_hooks hooks = {a20_fn, reset_fn, b};
    kbd_init(&b->kbd, irq1, &hooks);
    CHECK_EQ(kbd_attach(&b->kbd, &b->bus), 0);
}

/* Reads one byte the way a driver does: wait for OBF, then read 0x60. */
static int read_byte(struct board *b)
{
    if (!(inb(b, 0x64) & KBD_ST_OBF))
        return -1;
    return inb(b, 0x60);
}

static void test_controller(struct board *b)
{
    setup(b);
    CHECK_EQ(inb(b, 0x64) & (KBD_ST_OBF | KBD_ST_IBF), 0);
    CHECK(inb(b, 0x64) & KBD_ST_SYS);
    outb(b, 0x64, 0xAA);                      /* self test */
    CHECK(inb(b, 0x64) & KBD_ST_A2);
    CHECK_EQ(read_byte(b), 0x55);
    CHECK_EQ(read_byte(b), -1);
    outb(b, 0x64, 0xAB);                      /* keyboard interface test */
    CHECK_EQ(read_byte(b), 0x00);
    outb(b, 0x64, 0x20);                      /* read command byte */
    CHECK_EQ(read_byte(b), 0x45);
    CHECK_EQ(b->rising, 3);                   /* each answer raised IRQ1 (command byte bit 0) */
    outb(b, 0x64, 0x60);                      /* write command byte: no IRQ, no SYS */
    outb(b, 0x60, 0x40);
    CHECK_EQ(inb(b, 0x64) & KBD_ST_SYS, 0);
    outb(b, 0x64, 0x20);
    CHECK_EQ(read_byte(b), 0x40);
    CHECK_EQ(b->rising, 3);                   /* interrupts off: no IRQ1 for that */
    outb(b, 0x64, 0x60);
    outb(b, 0x60, 0x45);
}

static void test_a20_and_reset(struct board *b)
{
    setup(b);
    outb(b, 0x64, 0xD0);                      /* read output port */
    int op = read_byte(b);
    CHECK_EQ(op & KBD_OP_A20, 0);
    CHECK(op & KBD_OP_RESET);
    outb(b, 0x64, 0xD1);                      /* write output port: A20 on */
    outb(b, 0x60, (uint8_t)(op | KBD_OP_A20));
    CHECK(b->a20);
    CHECK_EQ(b->a20_calls, 1);
    outb(b, 0x64, 0xD0);
    CHECK_EQ(read_byte(b) & KBD_OP_A20, KBD_OP_A20);
    outb(b, 0x64, 0xDD);                      /* A20 off */
    CHECK(!b->a20);
    outb(b, 0x64, 0xDF);                      /* A20 on */
    CHECK(b->a20);
    CHECK_EQ(b->resets, 0);
    outb(b, 0x64, 0xFE);                      /* pulse reset */
    CHECK_EQ(b->resets, 1);
    outb(b, 0x64, 0xD1);                      /* reset through the output port bit 0 */
    outb(b, 0x60, 0xDE);
    CHECK_EQ(b->resets, 2);
    outb(b, 0x64, 0xFF);                      /* pulse nothing */
    CHECK_EQ(b->resets, 2);
}

static void test_keyboard_commands(struct board *b)
{
    setup(b);
    outb(b, 0x60, 0xFF);                      /* keyboard reset */
    CHECK_EQ(b->rising, 1);                   /* IRQ1 for the ACK */
    CHECK_EQ(read_byte(b), 0xFA);
    CHECK_EQ(b->rising, 2);                   /* and again for the BAT code */
    CHECK_EQ(read_byte(b), 0xAA);
    CHECK(!b->irq);
    outb(b, 0x60, 0xF2);                      /* identify: MF2, translated */
    CHECK_EQ(read_byte(b), 0xFA);
    CHECK_EQ(read_byte(b), 0xAB);
    CHECK_EQ(read_byte(b), 0x41);
    outb(b, 0x60, 0xED);                      /* LEDs: ACK, argument, ACK */
    CHECK_EQ(read_byte(b), 0xFA);
    outb(b, 0x60, 0x07);
    CHECK_EQ(read_byte(b), 0xFA);
    CHECK_EQ(b->kbd.leds, 7);
    outb(b, 0x60, 0xF3);
    CHECK_EQ(read_byte(b), 0xFA);
    outb(b, 0x60, 0x20);
    CHECK_EQ(read_byte(b), 0xFA);
    CHECK_EQ(b->kbd.typematic, 0x20);
    outb(b, 0x60, 0xEE);
    CHECK_EQ(read_byte(b), 0xEE);
    outb(b, 0x60, 0xF5);                      /* disable scanning: keys are not seen */
    CHECK_EQ(read_byte(b), 0xFA);
    kbd_push_scancode(&b->kbd, 0x1E);
    CHECK_EQ(read_byte(b), -1);
    outb(b, 0x60, 0xF4);
    CHECK_EQ(read_byte(b), 0xFA);
    kbd_push_scancode(&b->kbd, 0x1E);
    CHECK_EQ(read_byte(b), 0x1E);
    outb(b, 0x60, 0x12);                      /* not a command: resend */
    CHECK_EQ(read_byte(b), 0xFE);
}

static void test_scancodes(struct board *b)
{
    setup(b);
    int before = b->rising;
    CHECK(kbd_idle(&b->kbd));
    CHECK_EQ(kbd_push_scancode(&b->kbd, 0x1E), 0);
    CHECK_EQ(kbd_push_scancode(&b->kbd, 0x9E), 0);
    CHECK(!kbd_idle(&b->kbd));
    CHECK_EQ(b->rising, before + 1);
    CHECK(inb(b, 0x64) & KBD_ST_OBF);
    CHECK_EQ(inb(b, 0x60), 0x1E);
    CHECK_EQ(b->rising, before + 2);          /* next byte, new edge */
    CHECK_EQ(inb(b, 0x60), 0x9E);
    CHECK(!b->irq);
    CHECK(kbd_idle(&b->kbd));
    CHECK_EQ(b->kbd.data_reads, 2);
    /* Keyboard disabled by the controller: keys wait, controller answers pass. */
    outb(b, 0x64, 0xAD);
    kbd_push_scancode(&b->kbd, 0x10);
    CHECK_EQ(read_byte(b), -1);
    outb(b, 0x64, 0x20);
    CHECK_EQ(read_byte(b), 0x45 | KBD_CB_DISABLE);
    outb(b, 0x64, 0xAE);
    CHECK_EQ(read_byte(b), 0x10);
    /* A full queue refuses (one byte sits in the output buffer, the rest behind it). */
    unsigned room = kbd_queue_space(&b->kbd);
    CHECK(room > 0);
    for (unsigned i = 0; i < room + 1; i++)
        CHECK_EQ(kbd_push_scancode(&b->kbd, 0x02), 0);
    CHECK_EQ(kbd_queue_space(&b->kbd), 0);
    CHECK_EQ(kbd_push_scancode(&b->kbd, 0x03), -1);
}

static void test_untranslated(struct board *b)
{
    setup(b);
    outb(b, 0x64, 0x60);
    outb(b, 0x60, 0x05);                      /* command byte: translation off */
    kbd_push_scancode(&b->kbd, 0x1E);         /* 'a' make and break */
    kbd_push_scancode(&b->kbd, 0x9E);
    kbd_push_scancode(&b->kbd, 0xE0);         /* right arrow: E0 4D -> E0 74 */
    kbd_push_scancode(&b->kbd, 0x4D);
    CHECK_EQ(read_byte(b), 0x1C);
    CHECK_EQ(read_byte(b), 0xF0);
    CHECK_EQ(read_byte(b), 0x1C);
    CHECK_EQ(read_byte(b), 0xE0);
    CHECK_EQ(read_byte(b), 0x74);
    CHECK_EQ(read_byte(b), -1);
}

static void test_text(void)
{
    uint8_t buf[64];
    size_t n = kbd_text_to_scancodes("aB1!\n", buf, sizeof buf);
    const uint8_t want[] = {0x1E, 0x9E, 0x2A, 0x30, 0xB0, 0xAA, 0x02, 0x82,
                            0x2A, 0x02, 0x82, 0xAA, 0x1C, 0x9C};
    CHECK_EQ(n, sizeof want);
    CHECK(memcmp(buf, want, sizeof want) == 0);
    CHECK_EQ(kbd_text_to_scancodes("ls -l", buf, 3), 10); /* like snprintf: the full size */
    CHECK_EQ(buf[0], 0x26);
    CHECK_EQ(buf[2], 0x1F);
    uint8_t one[8];
    CHECK_EQ(kbd_char_to_scancodes(' ', one), 2);
    CHECK_EQ(one[0], 0x39);
    CHECK_EQ(kbd_char_to_scancodes('|', one), 4);
    CHECK_EQ(one[1], 0x2B);
    CHECK_EQ(kbd_char_to_scancodes('\x01', one), 0);
}

int main(void)
{
    static struct board b;
    test_controller(&b);
    test_a20_and_reset(&b);
    test_keyboard_commands(&b);
    test_scancodes(&b);
    test_untranslated(&b);
    test_text();
    return test_summary("test_dev_kbd");
}
