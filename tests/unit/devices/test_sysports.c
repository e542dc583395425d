/* Port 0x92 (fast A20, reset), POST codes, the 0xE9 debug console, the isa-debug-exit
 * compatible port, and the floppy controller stub. */
#include "devices/fdc_stub.h"
#include "devices/sysports.h"

#include <string.h>

#include "test.h"

struct board {
    struct iobus bus;
    struct sysports sp;
    struct fdc_stub fdc;
    bool a20;
    int resets, exits, last_exit;
    char con[16];
    int ncon;
};

static void a20_fn(void *o, bool on) { ((struct board *)o)->a20 = on; }
static void reset_fn(void *o) { ((struct board *)o)->resets++; }
static void con_fn(void *o, uint8_t c)
{
    struct board *b = o;
    if (b->ncon < (int)sizeof b->con - 1)
        b->con[b->ncon++] = (char)c;
}
static void exit_fn(void *o, int status)
{
    struct board *b = o;
    b->exits++;
    b->last_exit = status;
}
static void outb(struct board *b, uint16_t port, uint8_t v) { iobus_write(&b->bus, port, 1, v); }
static uint8_t inb(struct board *b, uint16_t port) { return (uint8_t)iobus_read(&b->bus, port, 1); }

int main(void)
{
    static struct board b;
    iobus_init(&b.bus);
    struct sysports_hooks hooks = {a20_fn, NULL, reset_fn, con_fn, exit_fn, &b};
    sysports_init(&b.sp, &hooks);
    CHECK_EQ(sysports_attach(&b.sp, &b.bus), 0);
    fdc_stub_init(&b.fdc);
    CHECK_EQ(fdc_stub_attach(&b.fdc, &b.bus), 0);

    /* Port 0x92. */
    CHECK_EQ(inb(&b, 0x92) & 0x02, 0);
    outb(&b, 0x92, 0x02);
    CHECK(b.a20);
    CHECK_EQ(inb(&b, 0x92) & 0x02, 0x02);
    CHECK_EQ(b.resets, 0);
    outb(&b, 0x92, 0x03);                     /* bit 0 rising: reset */
    CHECK_EQ(b.resets, 1);
    outb(&b, 0x92, 0x03);                     /* no new edge */
    CHECK_EQ(b.resets, 1);
    outb(&b, 0x92, 0x00);
    CHECK(!b.a20);

    /* POST codes. */
    CHECK(!b.sp.post_seen);
    outb(&b, 0x80, 0x12);
    outb(&b, 0x80, 0x34);
    CHECK(b.sp.post_seen);
    CHECK_EQ(b.sp.post_code, 0x34);

    /* Debug console. */
    CHECK_EQ(inb(&b, 0xE9), 0xE9);
    outb(&b, 0xE9, 'o');
    outb(&b, 0xE9, 'k');
    CHECK(strcmp(b.con, "ok") == 0);

    /* Exit port: (v << 1) | 1, byte or dword writes, only at 0xF4 itself. */
    outb(&b, 0xF4, 0x10);
    CHECK_EQ(b.exits, 1);
    CHECK_EQ(b.last_exit, 0x21);
    iobus_write(&b.bus, 0xF4, 4, 0);
    CHECK_EQ(b.exits, 2);
    CHECK_EQ(b.last_exit, 1);
    outb(&b, 0xF5, 1);
    CHECK_EQ(b.exits, 2);

    /* Floppy controller stub: motor off is harmless, the MSR says ready, a command gets
     * an "invalid command" result. */
    outb(&b, 0x3F2, 0x0C);
    CHECK_EQ(inb(&b, 0x3F2), 0x0C);
    CHECK_EQ(inb(&b, 0x3F4), 0x80);
    outb(&b, 0x3F5, 0x08);                    /* SENSE INTERRUPT STATUS */
    CHECK_EQ(inb(&b, 0x3F4) & 0xC0, 0xC0);
    CHECK_EQ(inb(&b, 0x3F5), 0x80);
    CHECK_EQ(inb(&b, 0x3F4), 0x80);
    CHECK(b.bus.port[0x3F6] == NULL);         /* left to the ATA channel */
    return test_summary("test_dev_sysports");
}
