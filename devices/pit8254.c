#include "devices/pit8254.h"

#include <string.h>

#define NS_PER_S 1000000000ull
/* DRAM refresh request period of an AT (counter 1 programmed with 18): 0x61 bit 4 toggles
 * on every request, about every 15 us. BIOS delay loops count these toggles. */
#define REFRESH_NS 15085ull

/* Input-clock ticks elapsed at ns (floor), without overflowing 64 bits. */
static uint64_t ns_to_tick(uint64_t ns)
{
    return (ns / NS_PER_S) * PIT_HZ + (ns % NS_PER_S) * PIT_HZ / NS_PER_S;
}

/* The first ns at which ns_to_tick() reaches tick. */
static uint64_t tick_to_ns(uint64_t tick)
{
    uint64_t q = tick / PIT_HZ, r = tick % PIT_HZ;
    return q * NS_PER_S + (r * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

static uint32_t from_bcd(uint32_t v)
{
    return ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
}

static uint16_t to_bcd(uint32_t v)
{
    v %= 10000;
    return (uint16_t)(((v / 1000) << 12) | (((v / 100) % 10) << 8) | (((v / 10) % 10) << 4) | (v % 10));
}

/* The modulus the counter wraps at. */
static uint32_t modulus(const struct pit_channel *c)
{
    return c->bcd ? 10000u : 0x10000u;
}

/* ----- the counter as a function of time ----------------------------------------------- */

/* Elapsed ticks since the counting element was loaded, or -1 when it has not been loaded
 * (or its gate holds it). */
static int64_t elapsed(const struct pit_channel *c, uint64_t t)
{
    if (!c->counting || t < c->start_tick)
        return -1;
    return (int64_t)(t - c->start_tick);
}

/* The counting element's value at tick t (binary, 0..modulus-1). */
static uint32_t count_at(const struct pit_channel *c, uint64_t t)
{
    uint32_t mod = modulus(c);
    int64_t e = elapsed(c, t);
    if (e < 0)
        return c->ce % mod;
    uint32_t n = c->reload;
    switch (c->mode) {
    case 2: /* N, N-1, ..., 1, N, ... (8254 mode 2) */
        return n - (uint32_t)((uint64_t)e % n);
    case 3: { /* decrements by 2; an odd count spends one extra clock in the high half */
        uint32_t pos = (uint32_t)((uint64_t)e % n), high = (n + 1) / 2;
        uint32_t v = (n & ~1u) - 2 * (pos < high ? pos : pos - high);
        return v % mod;
    }
    default: /* 0, 1, 4, 5: count down from the loaded value and wrap */
        return (uint32_t)(((uint64_t)c->ce + mod - (uint64_t)e % mod) % mod);
    }
}

/* OUT at tick t. */
static bool out_at(const struct pit_channel *c, uint64_t t)
{
    int64_t e = elapsed(c, t);
    uint32_t n = c->reload;
    switch (c->mode) {
    case 0:
    case 1: /* low from the load until the terminal count, then high */
        if (!c->armed)
            return c->out;
        return e >= 0 && (uint64_t)e >= (c->ce ? c->ce : modulus(c));
    case 2:
        if (e < 0 || n < 2)
            return true;
        return (uint64_t)e % n != n - 1;
    case 3:
        if (e < 0 || n < 2)
            return true;
        return (uint64_t)e % n < (n + 1) / 2;
    default: /* 4, 5: one clock low when the count reaches 0 */
        if (!c->armed || e < 0)
            return true;
        return (uint64_t)e != (c->ce ? c->ce : modulus(c));
    }
}

/* Rising edges of OUT at ticks in (a, b] with the current parameters. */
static uint64_t edges_between(const struct pit_channel *c, uint64_t a, uint64_t b)
{
    if (!c->counting || b <= a)
        return 0;
    uint64_t s = c->start_tick, n = c->reload;
    switch (c->mode) {
    case 2:
    case 3: { /* OUT rises each time the count is reloaded: at s + k*n, k >= 1 */
        if (n < 2)
            return 0;
        uint64_t fb = b < s ? 0 : (b - s) / n, fa = a < s ? 0 : (a - s) / n;
        return fb - fa;
    }
    case 0:
    case 1:
    case 4:
    case 5: {
        if (!c->armed)
            return 0;
        uint64_t at = s + (c->ce ? c->ce : modulus(c)) + (c->mode >= 4 ? 1 : 0);
        return (a < at && at <= b) ? 1 : 0;
    }
    default:
        return 0;
    }
}

/* The tick of the first rising edge after tick a, or UINT64_MAX. */
static uint64_t next_edge(const struct pit_channel *c, uint64_t a)
{
    if (!c->counting)
        return UINT64_MAX;
    uint64_t s = c->start_tick, n = c->reload;
    switch (c->mode) {
    case 2:
    case 3: {
        if (n < 2)
            return UINT64_MAX;
        uint64_t k = a < s ? 1 : (a - s) / n + 1;
        return s + k * n; /* a pending count switches at one of these reload points */
    }
    default: {
        if (!c->armed)
            return UINT64_MAX;
        uint64_t at = s + (c->ce ? c->ce : modulus(c)) + (c->mode >= 4 ? 1 : 0);
        return at > a ? at : UINT64_MAX;
    }
    }
}

/* Brings one channel to tick t; returns the rising edges of OUT on the way. */
static uint64_t channel_sync(struct pit_channel *c, uint64_t t)
{
    uint64_t edges = 0;
    if (t <= c->last_tick)
        return 0;
    if (c->pending && c->pending_at <= t) {
        /* Modes 2/3: a count written while counting is loaded at the end of the cycle. */
        edges += edges_between(c, c->last_tick, c->pending_at);
        c->last_tick = c->pending_at;
        c->start_tick = c->pending_at;
        c->reload = c->pending;
        c->ce = c->pending;
        c->pending = 0;
        c->null_count = false;
    }
    edges += edges_between(c, c->last_tick, t);
    /* One-shot modes: once past the terminal event the counter just wraps on. */
    if ((c->mode == 0 || c->mode == 1) && c->armed && out_at(c, t)) {
        c->ce = count_at(c, t);
        c->start_tick = t;
        c->armed = false;
        c->out = true;
    } else if ((c->mode == 4 || c->mode == 5) && c->armed && t > c->start_tick + (c->ce ? c->ce : modulus(c))) {
        c->ce = count_at(c, t);
        c->start_tick = t;
        c->armed = false;
        c->out = true;
    }
    c->last_tick = t;
    return edges;
}

/* Drives IRQ0 after counter 0 moved. Each batch of rising edges becomes one low->high
 * transition on the line, and the line stays high until the next update even if OUT has
 * meanwhile gone low again (the catch-up jumped over the high phase): the PIC drops an
 * edge request whose line falls before INTA, so the tick must stay visible until the CPU
 * had a chance to take it. Without new edges the line follows OUT. */
static void irq0_update(struct pit *p, uint64_t edges, bool old_out)
{
    struct pit_channel *c = &p->ch[0];
    bool out = out_at(c, c->last_tick);
    if (edges || (!old_out && out)) {
        p->irq0_edges += edges ? edges : 1;
        irq_lower(&p->irq0);
        irq_raise(&p->irq0);
        p->irq0_level = true;
    } else if (p->irq0_level != out) {
        irq_set(&p->irq0, out);
        p->irq0_level = out;
    }
    c->out = out;
}

void pit_advance(struct pit *p, uint64_t now_ns)
{
    if (now_ns < p->now_ns)
        return;
    p->now_ns = now_ns;
    uint64_t t = ns_to_tick(now_ns);
    bool old0 = p->ch[0].out;
    uint64_t e0 = channel_sync(&p->ch[0], t);
    for (int i = 1; i < 3; i++) {
        channel_sync(&p->ch[i], t);
        p->ch[i].out = out_at(&p->ch[i], t);
    }
    irq0_update(p, e0, old0);
}

uint64_t pit_next_event(const struct pit *p)
{
    const struct pit_channel *c = &p->ch[0];
    uint64_t t = next_edge(c, c->last_tick);
    if (t == UINT64_MAX)
        return VTIME_NEVER;
    return tick_to_ns(t);
}

static void sync_now(struct pit *p)
{
    pit_advance(p, vclock_now(&p->clock));
}

static uint64_t now_tick(const struct pit *p)
{
    return ns_to_tick(p->now_ns);
}

/* ----- programming -------------------------------------------------------------------- */

static void channel_reset(struct pit_channel *c, bool gate, uint64_t t)
{
    memset(c, 0, sizeof *c);
    c->gate = gate;
    c->rw = 3;
    c->last_tick = t;
}

void pit_init(struct pit *p, struct irq_line irq0, struct vclock clock)
{
    memset(p, 0, sizeof *p);
    p->irq0 = irq0;
    p->clock = clock;
    pit_reset(p);
}

void pit_reset(struct pit *p)
{
    p->now_ns = vclock_now(&p->clock);
    uint64_t t = now_tick(p);
    channel_reset(&p->ch[0], true, t);
    channel_reset(&p->ch[1], true, t);
    channel_reset(&p->ch[2], false, t);
    p->port61 = 0;
    p->irq0_level = false;
    irq_lower(&p->irq0);
}

/* The count written completes: what the mode does with it (8254 datasheet, mode table). */
static void load_count(struct pit_channel *c, uint32_t raw, uint64_t t)
{
    uint32_t n = c->bcd ? from_bcd(raw) : raw;
    if (n == 0)
        n = modulus(c);
    c->null_count = true;
    switch (c->mode) {
    case 0:
    case 4:
        /* Loaded on the next clock; counting restarts with the new count. */
        c->reload = n;
        c->ce = n % modulus(c);
        c->start_tick = t + 1;
        c->armed = true;
        c->counting = c->gate;
        c->out = c->mode == 4;
        c->null_count = false;
        break;
    case 1:
    case 5:
        c->reload = n; /* waits for a gate trigger */
        break;
    case 2:
    case 3:
        if (!c->counting || c->reload == 0) {
            c->reload = n;
            c->ce = n;
            c->start_tick = t + 1;
            c->counting = c->gate;
            c->null_count = false;
        } else {
            /* Loaded when the current cycle ends (next reload point). */
            uint64_t s = c->start_tick, k = t < s ? 1 : (t - s) / c->reload + 1;
            c->pending = n;
            c->pending_at = s + k * c->reload;
        }
        break;
    }
}

static void set_gate(struct pit_channel *c, bool gate, uint64_t t)
{
    if (gate == c->gate)
        return;
    c->gate = gate;
    switch (c->mode) {
    case 0:
    case 4:
        if (!c->reload)
            break;
        if (!gate) { /* counting suspended: freeze the value */
            c->ce = count_at(c, t);
            c->counting = false;
        } else {
            c->start_tick = t;
            c->counting = true;
        }
        break;
    case 1:
    case 5:
        if (gate && c->reload) { /* rising edge triggers (re)loading */
            c->ce = c->reload % modulus(c);
            c->start_tick = t + 1;
            c->counting = true;
            c->armed = true;
            c->null_count = false;
        }
        break;
    case 2:
    case 3:
        if (!c->reload)
            break;
        if (!gate) { /* OUT goes high and counting stops */
            c->ce = count_at(c, t);
            c->counting = false;
            c->pending = 0;
        } else { /* rising edge: reload and start a new cycle */
            c->ce = c->reload;
            c->start_tick = t + 1;
            c->counting = true;
        }
        break;
    }
    c->out = out_at(c, t);
}

static uint8_t status_byte(const struct pit_channel *c, uint64_t t)
{
    return (uint8_t)((out_at(c, t) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) | (c->rw << 4) |
                     (c->mode << 1) | (c->bcd ? 1 : 0));
}

static uint16_t visible_count(const struct pit_channel *c, uint64_t t)
{
    uint32_t v = count_at(c, t);
    return c->bcd ? to_bcd(v) : (uint16_t)v;
}

static void latch_count(struct pit_channel *c, uint64_t t)
{
    if (c->latched)
        return; /* a second latch before the read is ignored */
    c->latch = visible_count(c, t);
    c->latched = true;
    c->latch_hi_next = false;
}

static void control_word(struct pit *p, uint8_t val)
{
    uint64_t t = now_tick(p);
    unsigned sc = val >> 6;
    if (sc == 3) {
        /* Read-back: bit 5 = 0 latches counts, bit 4 = 0 latches status, bits 1-3 select. */
        for (int i = 0; i < 3; i++) {
            if (!(val & (2u << i)))
                continue;
            struct pit_channel *c = &p->ch[i];
            if (!(val & 0x20))
                latch_count(c, t);
            if (!(val & 0x10) && !c->status_latched) {
                c->status = status_byte(c, t);
                c->status_latched = true;
            }
        }
        return;
    }
    struct pit_channel *c = &p->ch[sc];
    unsigned rw = (val >> 4) & 3;
    if (rw == 0) {
        latch_count(c, t);
        return;
    }
    bool old_out = c->out;
    c->rw = (uint8_t)rw;
    c->mode = (val >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4; /* 6 and 7 are aliases of 2 and 3 */
    c->bcd = val & 1;
    c->write_hi_next = c->read_hi_next = false;
    c->latched = c->status_latched = false;
    c->counting = c->armed = false;
    c->pending = 0;
    c->reload = 0;
    c->null_count = true;
    /* Setting a mode sets OUT low in mode 0 and high in every other mode. */
    c->out = c->mode != 0;
    if (sc == 0)
        irq0_update(p, 0, old_out);
}

static void counter_write(struct pit *p, int i, uint8_t val)
{
    struct pit_channel *c = &p->ch[i];
    uint64_t t = now_tick(p);
    bool old_out = c->out;
    switch (c->rw) {
    case 1:
        load_count(c, val, t);
        break;
    case 2:
        load_count(c, (uint32_t)val << 8, t);
        break;
    default:
        if (!c->write_hi_next) {
            c->write_lo = val;
            c->write_hi_next = true;
            /* Mode 0: writing the first byte stops the count. */
            if (c->mode == 0 && c->counting) {
                c->ce = count_at(c, t);
                c->counting = false;
            }
        } else {
            c->write_hi_next = false;
            load_count(c, c->write_lo | ((uint32_t)val << 8), t);
        }
        break;
    }
    if (i == 0)
        irq0_update(p, 0, old_out);
    else
        c->out = out_at(c, t);
}

static uint8_t counter_read(struct pit *p, int i)
{
    struct pit_channel *c = &p->ch[i];
    uint64_t t = now_tick(p);
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t v;
    bool hi;
    if (c->latched) {
        v = c->latch;
        if (c->rw == 3) {
            hi = c->latch_hi_next;
            c->latch_hi_next = !hi;
            if (hi)
                c->latched = false;
        } else {
            hi = c->rw == 2;
            c->latched = false;
        }
    } else {
        v = visible_count(c, t);
        if (c->rw == 3) {
            hi = c->read_hi_next;
            c->read_hi_next = !hi;
        } else {
            hi = c->rw == 2;
        }
    }
    return hi ? (uint8_t)(v >> 8) : (uint8_t)v;
}

/* ----- ports --------------------------------------------------------------------------- */

static uint32_t pit_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct pit *p = opaque;
    sync_now(p);
    if (port == 0x61) {
        uint8_t v = p->port61 & 0x0F;
        if ((p->now_ns / REFRESH_NS) & 1)
            v |= 0x10;
        if (out_at(&p->ch[2], now_tick(p)))
            v |= 0x20;
        return v;
    }
    if ((port & 3) == 3)
        return 0xFF; /* the control word register cannot be read */
    return counter_read(p, port & 3);
}

static void pit_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct pit *p = opaque;
    sync_now(p);
    if (port == 0x61) {
        /* Bits 0-3 are writable: 0 = counter 2 gate, 1 = speaker data, 2/3 = parity and
         * channel-check enables (stored only). */
        p->port61 = (uint8_t)(val & 0x0F);
        struct pit_channel *c = &p->ch[2];
        set_gate(c, val & 1, now_tick(p));
        return;
    }
    if ((port & 3) == 3)
        control_word(p, (uint8_t)val);
    else
        counter_write(p, port & 3, (uint8_t)val);
}

int pit_attach(struct pit *p, struct iobus *bus)
{
    if (iobus_register(bus, 0x40, 4, pit_port_read, pit_port_write, p, "pit") ||
        iobus_register(bus, 0x61, 1, pit_port_read, pit_port_write, p, "port61"))
        return -1;
    return 0;
}

uint16_t pit_peek_count(const struct pit *p, int ch)
{
    return visible_count(&p->ch[ch], ns_to_tick(p->now_ns));
}

bool pit_peek_out(const struct pit *p, int ch)
{
    return out_at(&p->ch[ch], ns_to_tick(p->now_ns));
}

bool pit_speaker_level(const struct pit *p)
{
    return (p->port61 & 2) && pit_peek_out(p, 2);
}
