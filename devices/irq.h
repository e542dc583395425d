/* An interrupt request line: a device drives its level; whoever owns the line (the PIC)
 * decides what an edge means. */
#ifndef PW_DEVICES_IRQ_H
#define PW_DEVICES_IRQ_H

#include <stdbool.h>

struct irq_line {
    void (*set)(void *opaque, int n, bool level);
    void *opaque;
    int n;
};

static inline void irq_set(const struct irq_line *l, bool level)
{
    if (l->set)
        l->set(l->opaque, l->n, level);
}
static inline void irq_raise(const struct irq_line *l) { irq_set(l, true); }
static inline void irq_lower(const struct irq_line *l) { irq_set(l, false); }
/* Raise then lower. On the 8259A an edge-triggered request whose line falls before the
 * CPU's INTA vanishes (a spurious IRQ 7/15 if INTR was already seen), so a device that
 * wants an interrupt holds its line high until it is serviced; a pulse is only seen by a
 * line owner that latches it. */
static inline void irq_pulse(const struct irq_line *l)
{
    irq_set(l, true);
    irq_set(l, false);
}

#endif
