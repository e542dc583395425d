/* The 8259A programmable interrupt controller pair of the PC/AT: a master at 0x20/0x21 and a
 * slave at 0xA0/0xA1 cascaded into master input 2.
 *
 *   IRQ0..7  ---> master ---INTR--> CPU        master vectors: ICW2 | irq
 *   IRQ8..15 ---> slave  ---INT---> master IR2 slave vectors:  ICW2 | (irq - 8)
 *
 * Devices drive their line through the struct irq_line that pic_irq_line() hands out; the PIC
 * tells the board the INTR level through a callback; the CPU's INTA cycle is pic_intr_ack().
 * (Intel 8259A datasheet, "Interrupt Sequence", "Programming the 8259A".) */
#ifndef PW_DEVICES_PIC8259_H
#define PW_DEVICES_PIC8259_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/iobus.h"
#include "devices/irq.h"

/* One 8259A. */
struct pic_chip {
    uint8_t irr;        /* interrupt request register (latched edges / live levels) */
    uint8_t isr;        /* in-service register */
    uint8_t imr;        /* interrupt mask register (OCW1) */
    uint8_t lines;      /* current input levels, for edge detection */
    uint8_t elcr;       /* 1 = level-triggered input (EISA ELCR; 0 on a plain AT) */
    uint8_t vector;     /* ICW2 with the low 3 bits cleared */
    uint8_t icw3;       /* master: which inputs have slaves; slave: its cascade id */
    uint8_t lowest;     /* priority rotation: the input with the lowest priority (7 at reset) */
    uint8_t init_step;  /* 0: initialised; 2, 3, 4: the ICW expected next on the odd port */
    bool icw4_needed;
    bool single;        /* ICW1 SNGL */
    bool level_mode;    /* ICW1 LTIM: all inputs level-triggered */
    bool auto_eoi;      /* ICW4 AEOI */
    bool rotate_aeoi;   /* OCW2 "rotate in automatic EOI mode" */
    bool special_mask;  /* OCW3 SMM */
    bool read_isr;      /* OCW3 RR/RIS: next read of the even port returns ISR, else IRR */
    bool poll;          /* OCW3 P: next read of the even port is a poll */
    bool sfnm;          /* ICW4 special fully nested mode */
};

struct pic {
    struct pic_chip chip[2];        /* 0 = master, 1 = slave */
    bool intr;                      /* the master's INT output as last reported */
    void (*intr_out)(void *opaque, bool level);  /* INTR pin of the CPU */
    void *opaque;
    uint64_t spurious;              /* INTA cycles answered with IRQ 7 / 15 (statistics) */
};

/* intr_out is called whenever the INTR level changes (may be NULL). */
void pic_init(struct pic *p, void (*intr_out)(void *opaque, bool level), void *opaque);
/* Power-on state: IRR, ISR and IMR clear, vector base 0, no initialisation sequence in
 * progress; a BIOS programs ICW1-ICW4 before enabling interrupts. Input levels are kept. */
void pic_reset(struct pic *p);
/* Claims 0x20-0x21 and 0xA0-0xA1. Returns 0, or -1 on a port conflict. */
int pic_attach(struct pic *p, struct iobus *bus);

/* The line for IRQ n (0..15), to hand to a device. */
struct irq_line pic_irq_line(struct pic *p, int n);
/* Drives input n (0..15) to a level. Edge mode: a rising edge makes a request that lasts
 * while the line stays high (it vanishes if the line falls before INTA); level mode: the
 * input requests while high. Usable directly as an irq_line's set function. */
void pic_set_irq(void *pic, int n, bool level);

/* The CPU's INTA cycle: returns the vector of the highest-priority request and moves it into
 * service (or completes it at once in auto-EOI). When the request vanished before INTA the
 * answer is the spurious vector of input 7 (master) or 15 (slave), nothing set in service. */
uint8_t pic_intr_ack(struct pic *p);
/* True when the master's INT output is high (an unmasked request outranks what is in service). */
bool pic_intr_pending(const struct pic *p);
/* Level-triggered inputs (EISA ELCR bits, 0x4D0/0x4D1 on later boards): mask per chip. */
void pic_set_elcr(struct pic *p, int chip, uint8_t mask);

/* Direct register access for the monitor and tests (no side effects). */
uint8_t pic_get_irr(const struct pic *p, int chip);
uint8_t pic_get_isr(const struct pic *p, int chip);
uint8_t pic_get_imr(const struct pic *p, int chip);

#endif
