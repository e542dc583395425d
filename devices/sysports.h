/* Small system ports of a PC and of emulators:
 *
 *   0x80  POST code (the last one written is recorded; also used as an I/O delay)
 *   0x92  system control port A: bit 0 fast reset (0 -> 1 resets the CPU), bit 1 A20 gate
 *   0xE9  debug console: writes are characters for the host; reads return 0xE9 (the
 *         Bochs/QEMU "is the port there" answer)
 *   0xF4  exit port compatible with QEMU's isa-debug-exit (iobase 0xF4, iosize 4): writing v
 *         ends the run with status (v << 1) | 1
 *
 * Each action reaches the board through a hook. */
#ifndef PW_DEVICES_SYSPORTS_H
#define PW_DEVICES_SYSPORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/iobus.h"

struct sysports_hooks {
    void (*a20)(void *opaque, bool on);          /* port 0x92 bit 1 written */
    bool (*a20_state)(void *opaque);             /* current A20 for 0x92 reads (NULL: bit as written) */
    void (*reset)(void *opaque);                 /* port 0x92 bit 0 rising */
    void (*debugcon)(void *opaque, uint8_t ch);  /* port 0xE9 */
    void (*exit)(void *opaque, int status);      /* port 0xF4: (v << 1) | 1 */
    void *opaque;
};

struct sysports {
    uint8_t port92;
    uint8_t post_code;
    bool post_seen;          /* anything written to 0x80 yet */
    struct sysports_hooks hooks;
};

void sysports_init(struct sysports *s, const struct sysports_hooks *hooks);
/* Claims 0x80, 0x92, 0xE9 and 0xF4-0xF7. Returns 0, or -1 on a port conflict. */
int sysports_attach(struct sysports *s, struct iobus *bus);

#endif
