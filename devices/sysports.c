#include "devices/sysports.h"

#include <string.h>

enum { PORT_POST = 0x80, PORT_A = 0x92, PORT_DEBUGCON = 0xE9, PORT_EXIT = 0xF4 };

void sysports_init(struct sysports *s, const struct sysports_hooks *hooks)
{
    memset(s, 0, sizeof *s);
    if (hooks)
        s->hooks = *hooks;
}

static uint32_t post_read(void *opaque, uint16_t port, unsigned size)
{
    struct sysports *s = opaque;
    return s->post_code;
}

static void post_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct sysports *s = opaque;
    s->post_code = (uint8_t)val;
    s->post_seen = true;
}

/* System control port A (PS/2 and later ATs): bit 1 is an A20 gate that bypasses the slow
 * 8042 path, bit 0 pulses the CPU's reset line on a 0 -> 1 transition. */
static uint32_t porta_read(void *opaque, uint16_t port, unsigned size)
{
    struct sysports *s = opaque;
    uint8_t v = s->port92 & ~0x02u;
    bool a20 = s->hooks.a20_state ? s->hooks.a20_state(s->hooks.opaque) : (s->port92 & 0x02) != 0;
    return v | (a20 ? 0x02u : 0u);
}

static void porta_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct sysports *s = opaque;
    uint8_t old = s->port92;
    s->port92 = (uint8_t)val;
    if (s->hooks.a20)
        s->hooks.a20(s->hooks.opaque, (val & 0x02) != 0);
    if (!(old & 0x01) && (val & 0x01)) {
        /* The reset bit reads back as written until software clears it; the board resets
         * the CPU, and a full machine reset reinitialises this register. */
        if (s->hooks.reset)
            s->hooks.reset(s->hooks.opaque);
    }
}

static uint32_t debugcon_read(void *opaque, uint16_t port, unsigned size)
{
    return 0xE9;
}

static void debugcon_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct sysports *s = opaque;
    if (s->hooks.debugcon)
        s->hooks.debugcon(s->hooks.opaque, (uint8_t)val);
}

/* isa-debug-exit answers reads of its ports with zero. */
static uint32_t exit_read(void *opaque, uint16_t port, unsigned size)
{
    return 0;
}

static void exit_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct sysports *s = opaque;
    if (port != PORT_EXIT)
        return;
    if (size == 1)
        val &= 0xFF;
    else if (size == 2)
        val &= 0xFFFF;
    if (s->hooks.exit)
        s->hooks.exit(s->hooks.opaque, (int)((val << 1) | 1));
}

int sysports_attach(struct sysports *s, struct iobus *bus)
{
    if (iobus_register(bus, PORT_POST, 1, post_read, post_write, s, "post") ||
        iobus_register(bus, PORT_A, 1, porta_read, porta_write, s, "port92") ||
        iobus_register(bus, PORT_DEBUGCON, 1, debugcon_read, debugcon_write, s, "debugcon") ||
        iobus_register(bus, PORT_EXIT, 4, exit_read, exit_write, s, "debug-exit"))
        return -1;
    return 0;
}
