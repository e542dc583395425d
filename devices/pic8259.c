#include "devices/pic8259.h"

#include <string.h>

/* The cascade input of the master on a PC/AT. */
#define PIC_CASCADE_IRQ 2

void pic_init(struct pic *p, void (*intr_out)(void *opaque, bool level), void *opaque)
{
    memset(p, 0, sizeof *p);
    p->intr_out = intr_out;
    p->opaque = opaque;
    pic_reset(p);
}

static void chip_reset(struct pic_chip *c)
{
    uint8_t lines = c->lines, elcr = c->elcr;
    memset(c, 0, sizeof *c);
    c->lines = lines;
    c->elcr = elcr;
    c->lowest = 7;
}

/* Priority of input i: 0 is the highest. With no rotation IR0 is highest and IR7 lowest;
 * rotation makes 'lowest' the lowest and lowest+1 the highest (8259A, "Rotation"). */
static unsigned prio(const struct pic_chip *c, unsigned i)
{
    return (i - c->lowest - 1) & 7;
}

/* The highest-priority input set in mask, or -1. */
static int highest(const struct pic_chip *c, uint8_t mask)
{
    if (!mask)
        return -1;
    for (unsigned k = 0; k < 8; k++) {
        unsigned i = (c->lowest + 1 + k) & 7;
        if (mask & (1u << i))
            return (int)i;
    }
    return -1;
}

/* The input this chip would interrupt the CPU for now, or -1: the highest unmasked request
 * that outranks everything in service. In special mask mode only the in-service inputs that
 * are not masked block anything; in special fully nested mode the master lets its cascade
 * input interrupt again while that input is in service (a higher slave request). */
static int chip_pending(const struct pic_chip *c, bool is_master)
{
    uint8_t req = c->irr & ~c->imr;
    int r = highest(c, req);
    if (r < 0)
        return -1;
    uint8_t isr = c->isr;
    if (c->special_mask)
        isr &= ~c->imr;
    if (is_master && c->sfnm && !c->single && (c->icw3 & (1u << r)))
        isr &= ~(1u << r);
    int s = highest(c, isr);
    if (s >= 0 && prio(c, (unsigned)s) <= prio(c, (unsigned)r))
        return -1;
    return r;
}

static bool is_level(const struct pic_chip *c, unsigned i)
{
    return c->level_mode || (c->elcr & (1u << i));
}

/* Drives one input of one chip. Level mode: IRR follows the line. Edge mode: a rising edge
 * sets the edge-sense latch, and the request is the latch AND the line, so a request whose
 * line falls before INTA vanishes (8259A datasheet: "the IR input must remain high until
 * after the falling edge of the first INTA pulse"; otherwise the INTA cycle answers with
 * IR7's vector). Devices therefore hold their line until serviced. */
static void chip_set_input(struct pic_chip *c, unsigned i, bool level)
{
    uint8_t bit = (uint8_t)(1u << i);
    if (is_level(c, i)) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= ~bit;
    } else if (level && !(c->lines & bit)) {
        c->irr |= bit;
    } else if (!level) {
        c->irr &= ~bit;
    }
    if (level)
        c->lines |= bit;
    else
        c->lines &= ~bit;
}

/* Recomputes the slave's INT into master IR2 and the master's INT into the CPU. */
static void pic_update(struct pic *p)
{
    struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
    chip_set_input(m, PIC_CASCADE_IRQ, chip_pending(s, false) >= 0);
    bool intr = chip_pending(m, true) >= 0;
    if (intr != p->intr) {
        p->intr = intr;
        if (p->intr_out)
            p->intr_out(p->opaque, intr);
    }
}

void pic_reset(struct pic *p)
{
    chip_reset(&p->chip[0]);
    chip_reset(&p->chip[1]);
    p->intr = false;
    if (p->intr_out)
        p->intr_out(p->opaque, false);
    pic_update(p);
}

void pic_set_irq(void *opaque, int n, bool level)
{
    struct pic *p = opaque;
    if (n < 0 || n > 15)
        return;
    chip_set_input(&p->chip[n >> 3], (unsigned)n & 7, level);
    pic_update(p);
}

struct irq_line pic_irq_line(struct pic *p, int n)
{
    struct irq_line l = {pic_set_irq, p, n};
    return l;
}

void pic_set_elcr(struct pic *p, int chip, uint8_t mask)
{
    struct pic_chip *c = &p->chip[chip & 1];
    c->elcr = mask;
    /* A level input's request is its current level. */
    c->irr = (uint8_t)((c->irr & ~mask) | (c->lines & mask));
    pic_update(p);
}

/* INTA on one chip for input r: in service (unless auto-EOI), the edge latch cleared. */
static void chip_ack(struct pic_chip *c, int r)
{
    uint8_t bit = (uint8_t)(1u << r);
    if (!is_level(c, (unsigned)r))
        c->irr &= ~bit;
    if (c->auto_eoi) {
        if (c->rotate_aeoi)
            c->lowest = (uint8_t)r;
    } else {
        c->isr |= bit;
    }
}

/* Answers for the slave once the master chose its cascade input. */
static uint8_t slave_ack(struct pic *p)
{
    struct pic_chip *s = &p->chip[1];
    int r = chip_pending(s, false);
    if (r < 0) {
        p->spurious++;
        return (uint8_t)(s->vector | 7);
    }
    chip_ack(s, r);
    return (uint8_t)(s->vector | (unsigned)r);
}

uint8_t pic_intr_ack(struct pic *p)
{
    struct pic_chip *m = &p->chip[0];
    int r = chip_pending(m, true);
    uint8_t vec;
    if (r < 0) {
        /* The request went away between INTR and INTA: the 8259A answers with IR7's vector
         * and sets nothing in service (datasheet, "Interrupt Sequence" note on IR7). */
        p->spurious++;
        vec = (uint8_t)(m->vector | 7);
    } else {
        chip_ack(m, r);
        if (!m->single && (m->icw3 & (1u << r)))
            vec = slave_ack(p);
        else
            vec = (uint8_t)(m->vector | (unsigned)r);
    }
    pic_update(p);
    return vec;
}

bool pic_intr_pending(const struct pic *p)
{
    return chip_pending(&p->chip[0], true) >= 0;
}

/* OCW2 (even port, bits 4:3 = 00). R SL EOI in bits 7..5, level in bits 2..0. */
static void chip_ocw2(struct pic_chip *c, uint8_t val)
{
    unsigned level = val & 7;
    int r;
    switch (val >> 5) {
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */
        r = highest(c, c->isr);
        if (r >= 0) {
            c->isr &= ~(1u << r);
            if ((val >> 5) == 5)
                c->lowest = (uint8_t)r;
        }
        break;
    case 3: /* specific EOI */
        c->isr &= ~(1u << level);
        break;
    case 7: /* rotate on specific EOI */
        c->isr &= ~(1u << level);
        c->lowest = (uint8_t)level;
        break;
    case 6: /* set priority */
        c->lowest = (uint8_t)level;
        break;
    case 4: /* rotate in automatic EOI mode (set) */
        c->rotate_aeoi = true;
        break;
    case 0: /* rotate in automatic EOI mode (clear) */
        c->rotate_aeoi = false;
        break;
    default: /* 2: no operation */
        break;
    }
}

static void chip_write(struct pic_chip *c, bool odd, uint8_t val)
{
    if (!odd) {
        if (val & 0x10) {
            /* ICW1: starts the initialisation sequence. The edge sense latches, the mask,
             * the in-service bits and the rotation are cleared; IR7 gets the lowest
             * priority; the next even-port read is IRR; special mask mode ends. */
            uint8_t lines = c->lines, elcr = c->elcr;
            memset(c, 0, sizeof *c);
            c->lines = lines;
            c->elcr = elcr;
            c->lowest = 7;
            c->icw4_needed = val & 0x01;
            c->single = (val & 0x02) != 0;
            c->level_mode = (val & 0x08) != 0;
            c->init_step = 2;
            if (c->level_mode)
                c->irr = c->lines;
            if (elcr)
                c->irr |= (uint8_t)(c->lines & elcr);
        } else if (val & 0x08) {
            /* OCW3 */
            if (val & 0x02)
                c->read_isr = (val & 0x01) != 0;
            c->poll = (val & 0x04) != 0;
            if (val & 0x40)
                c->special_mask = (val & 0x20) != 0;
        } else {
            chip_ocw2(c, val);
        }
        return;
    }
    switch (c->init_step) {
    case 2:
        c->vector = val & 0xF8;
        c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
        break;
    case 3:
        c->icw3 = val;
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    case 4:
        c->auto_eoi = (val & 0x02) != 0;
        c->sfnm = (val & 0x10) != 0;
        c->init_step = 0;
        break;
    default:
        c->imr = val; /* OCW1 */
        break;
    }
}

/* Poll command: the read acknowledges the highest request as INTA would and returns
 * 0x80 | level, or 0 when nothing is pending (8259A, "The Poll Command"). */
static uint8_t chip_poll(struct pic_chip *c, bool is_master)
{
    c->poll = false;
    int r = chip_pending(c, is_master);
    if (r < 0)
        return 0;
    chip_ack(c, r);
    return (uint8_t)(0x80 | (unsigned)r);
}

static uint32_t pic_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct pic *p = opaque;
    int idx = (port & 0x80) ? 1 : 0;
    struct pic_chip *c = &p->chip[idx];
    uint8_t v;
    if (c->poll) {
        v = chip_poll(c, idx == 0);
        pic_update(p);
    } else if (port & 1) {
        v = c->imr;
    } else {
        v = c->read_isr ? c->isr : c->irr;
    }
    return v;
}

static void pic_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct pic *p = opaque;
    chip_write(&p->chip[(port & 0x80) ? 1 : 0], port & 1, (uint8_t)val);
    pic_update(p);
}

int pic_attach(struct pic *p, struct iobus *bus)
{
    if (iobus_register(bus, 0x20, 2, pic_port_read, pic_port_write, p, "pic-master") ||
        iobus_register(bus, 0xA0, 2, pic_port_read, pic_port_write, p, "pic-slave"))
        return -1;
    return 0;
}

uint8_t pic_get_irr(const struct pic *p, int chip) { return p->chip[chip & 1].irr; }
uint8_t pic_get_isr(const struct pic *p, int chip) { return p->chip[chip & 1].isr; }
uint8_t pic_get_imr(const struct pic *p, int chip) { return p->chip[chip & 1].imr; }
