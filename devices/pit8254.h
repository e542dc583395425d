/* The 8254 programmable interval timer and the AT's system control port B (0x61).
 *
 *   port 0x40..0x42  counters 0, 1, 2      port 0x43  control word (write only)
 *   counter 0: gate tied high, OUT -> IRQ0 (the system timer)
 *   counter 1: DRAM refresh (modelled as a counter; its visible effect is 0x61 bit 4)
 *   counter 2: gate = port 0x61 bit 0, OUT -> speaker and readable as 0x61 bit 5
 *
 * The input clock is 1.193182 MHz; counter state is computed from virtual nanoseconds, so a
 * count read at a given virtual time is always the same. (Intel 8254 datasheet: "Modes",
 * "Read Operations", "Read-Back Command"; IBM AT Technical Reference, port 61h.) */
#ifndef PW_DEVICES_PIT8254_H
#define PW_DEVICES_PIT8254_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/iobus.h"
#include "devices/irq.h"
#include "devices/vtime.h"

#define PIT_HZ 1193182u

/* One counter. Everything is derived from 'start_tick' (the input-clock tick at which the
 * current count was loaded into the counting element) and the current tick. */
struct pit_channel {
    uint8_t mode;          /* 0..5 */
    uint8_t rw;            /* access: 1 lobyte, 2 hibyte, 3 lobyte then hibyte */
    bool bcd;
    bool gate;
    bool out;              /* OUT as of 'last_tick' (for edge detection) */
    bool null_count;       /* a count was written but not yet loaded (read-back bit 6) */
    bool armed;            /* mode 0/1/4/5: a count is loaded and the terminal event is ahead */
    bool counting;         /* the counting element runs (has been loaded) */
    bool write_hi_next;    /* rw == 3: the next write is the high byte */
    bool read_hi_next;     /* rw == 3: the next read is the high byte */
    bool latched;          /* counter latch holds a value */
    bool latch_hi_next;    /* reading a latched 16-bit value: high byte next */
    bool status_latched;   /* read-back latched the status byte */
    uint8_t status;
    uint16_t latch;
    uint8_t write_lo;      /* low byte written, waiting for the high byte */
    uint32_t reload;       /* the count register: 1..0x10000 (0 written means 0x10000) */
    uint32_t ce;           /* counting element value at start_tick (0 means 0x10000 for 0/1/4/5) */
    uint32_t pending;      /* modes 2/3: a count written while counting, loaded at pending_at */
    uint64_t pending_at;
    uint64_t start_tick;   /* tick when the count was loaded into the counting element */
    uint64_t last_tick;    /* state brought up to this tick */
};

struct pit {
    struct pit_channel ch[3];
    struct irq_line irq0;  /* counter 0 OUT */
    struct vclock clock;
    uint64_t now_ns;       /* last time the state was advanced to */
    uint8_t port61;        /* bits 0 (gate 2), 1 (speaker data) as written; 2,3 as written */
    bool irq0_level;       /* IRQ0 as driven */
    uint64_t irq0_edges;   /* rising edges of counter 0 OUT (statistics, tests) */
};

void pit_init(struct pit *p, struct irq_line irq0, struct vclock clock);
/* Power-on: counters in mode 0 with no count, OUT low, gate 2 low. */
void pit_reset(struct pit *p);
/* Claims 0x40-0x43 and 0x61. Returns 0, or -1 on a port conflict. */
int pit_attach(struct pit *p, struct iobus *bus);

/* Absolute virtual ns of the next OUT edge of counter 0 that raises IRQ0, VTIME_NEVER if none. */
uint64_t pit_next_event(const struct pit *p);
/* Brings the counters to now_ns, pulsing IRQ0 on each rising edge of counter 0's OUT. */
void pit_advance(struct pit *p, uint64_t now_ns);

/* Side-effect-free views for the monitor and tests (state as of p->now_ns). */
uint16_t pit_peek_count(const struct pit *p, int ch);
bool pit_peek_out(const struct pit *p, int ch);
/* Counter 2's OUT with the speaker enable (0x61 bit 1): the speaker level. */
bool pit_speaker_level(const struct pit *p);

#endif
