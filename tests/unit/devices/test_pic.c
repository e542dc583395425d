/* 8259A pair: initialisation, priority, EOI forms, masking, cascade, spurious IRQ 7/15,
 * auto-EOI, rotation, OCW3 register reads and poll. */
#include "devices/pic8259.h"

#include "test.h"

struct board {
    struct iobus bus;
    struct pic pic;
    bool intr;
    int intr_changes;
};

static void intr_out(void *opaque, bool level)
{
    struct board *b = opaque;
    b->intr = level;
    b->intr_changes++;
}

static void outb(struct board *b, uint16_t port, uint8_t v) { iobus_write(&b->bus, port, 1, v); }
static uint8_t inb(struct board *b, uint16_t port) { return (uint8_t)iobus_read(&b->bus, port, 1); }

/* What a PC BIOS programs: master vectors 08h, slave 70h, cascade on IR2, 8086 mode. */
static void bios_init(struct board *b, uint8_t icw4)
{
    outb(b, 0x20, 0x11); outb(b, 0x21, 0x08); outb(b, 0x21, 0x04); outb(b, 0x21, icw4);
    outb(b, 0xA0, 0x11); outb(b, 0xA1, 0x70); outb(b, 0xA1, 0x02); outb(b, 0xA1, icw4);
    outb(b, 0x21, 0x00);
    outb(b, 0xA1, 0x00);
}

static void setup(struct board *b, uint8_t icw4)
{
    iobus_init(&b->bus);
    pic_init(&b->pic, intr_out, b);
    CHECK_EQ(pic_attach(&b->pic, &b->bus), 0);
    bios_init(b, icw4);
    b->intr_changes = 0;
}

/* A device asserting its line: a fresh rising edge, held high until serviced. */
static void pulse(struct board *b, int irq)
{
    struct irq_line l = pic_irq_line(&b->pic, irq);
    irq_lower(&l);
    irq_raise(&l);
}

static void test_priority_and_eoi(struct board *b)
{
    setup(b, 0x01);
    CHECK(!b->intr);
    pulse(b, 3);
    pulse(b, 1);
    CHECK(b->intr);
    CHECK_EQ(inb(b, 0x20), 0x0A);            /* IRR: IR1 and IR3 (OCW3 default reads IRR) */
    CHECK_EQ(pic_intr_ack(&b->pic), 0x09);   /* IR1 first: higher priority */
    CHECK_EQ(pic_get_isr(&b->pic, 0), 0x02);
    CHECK(!b->intr);                         /* IR3 is below IR1 in service */
    pulse(b, 0);                             /* IR0 outranks IR1: nests */
    CHECK(b->intr);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x08);
    CHECK_EQ(pic_get_isr(&b->pic, 0), 0x03);
    outb(b, 0x20, 0x0B);                     /* OCW3: read ISR */
    CHECK_EQ(inb(b, 0x20), 0x03);
    outb(b, 0x20, 0x20);                     /* non-specific EOI clears the highest: IR0 */
    CHECK_EQ(inb(b, 0x20), 0x02);
    CHECK(!b->intr);
    outb(b, 0x20, 0x61);                     /* specific EOI for IR1 */
    CHECK_EQ(inb(b, 0x20), 0x00);
    CHECK(b->intr);                          /* IR3 now goes */
    CHECK_EQ(pic_intr_ack(&b->pic), 0x0B);
    outb(b, 0x20, 0x20);
    CHECK(!b->intr);
    outb(b, 0x20, 0x0A);                     /* back to IRR */
    CHECK_EQ(inb(b, 0x20), 0x00);
}

static void test_masking(struct board *b)
{
    setup(b, 0x01);
    outb(b, 0x21, 0x10);                     /* mask IR4 */
    CHECK_EQ(inb(b, 0x21), 0x10);
    pulse(b, 4);
    CHECK(!b->intr);
    CHECK_EQ(pic_get_irr(&b->pic, 0), 0x10); /* latched while masked */
    outb(b, 0x21, 0x00);
    CHECK(b->intr);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x0C);
    outb(b, 0x20, 0x20);
}

static void test_cascade(struct board *b)
{
    setup(b, 0x01);
    pulse(b, 14);
    CHECK(b->intr);
    CHECK_EQ(pic_get_irr(&b->pic, 1), 0x40);
    CHECK_EQ(pic_get_irr(&b->pic, 0), 0x04); /* slave INT on master IR2 */
    CHECK_EQ(pic_intr_ack(&b->pic), 0x76);
    CHECK_EQ(pic_get_isr(&b->pic, 0), 0x04);
    CHECK_EQ(pic_get_isr(&b->pic, 1), 0x40);
    pulse(b, 8);                             /* IRQ8 outranks 14 on the slave but master IR2 is in service */
    CHECK(!b->intr);
    pulse(b, 1);                             /* IR1 outranks IR2 on the master */
    CHECK(b->intr);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x09);
    outb(b, 0x20, 0x20);                     /* EOI IR1 */
    CHECK(!b->intr);
    outb(b, 0xA0, 0x20);                     /* EOI slave (IR6), then master (IR2) */
    outb(b, 0x20, 0x20);
    CHECK(b->intr);                          /* IRQ8 now */
    CHECK_EQ(pic_intr_ack(&b->pic), 0x70);
    outb(b, 0xA0, 0x20);
    outb(b, 0x20, 0x20);
    CHECK(!b->intr);
    /* Masking the cascade input on the master hides the slave. */
    outb(b, 0x21, 0x04);
    pulse(b, 12);
    CHECK(!b->intr);
    outb(b, 0x21, 0x00);
    CHECK(b->intr);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x74);
}

static void test_spurious(struct board *b)
{
    setup(b, 0x01);
    /* Edge mode: the line falls before INTA, the request vanishes. */
    struct irq_line l3 = pic_irq_line(&b->pic, 3);
    irq_raise(&l3);
    CHECK(b->intr);
    irq_lower(&l3);
    CHECK(!b->intr);
    CHECK_EQ(pic_get_irr(&b->pic, 0), 0x00);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x0F);
    CHECK_EQ(pic_get_isr(&b->pic, 0), 0x00);
    irq_pulse(&l3);                          /* a bare pulse is never seen */
    CHECK(!b->intr);
    CHECK_EQ(b->pic.spurious, 1);
    /* A level-triggered input that drops before INTA: the answer is IR7's vector with
     * nothing in service. */
    pic_set_elcr(&b->pic, 0, 0x20);
    struct irq_line l5 = pic_irq_line(&b->pic, 5);
    irq_raise(&l5);
    CHECK(b->intr);
    irq_lower(&l5);
    CHECK(!b->intr);
    uint64_t before = b->pic.spurious;
    CHECK_EQ(pic_intr_ack(&b->pic), 0x0F);
    CHECK_EQ(pic_get_isr(&b->pic, 0), 0x00);
    CHECK_EQ(b->pic.spurious, before + 1);
    /* Masked after INTR was seen: also spurious. */
    pulse(b, 6);
    CHECK(b->intr);
    outb(b, 0x21, 0x40);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x0F);
    outb(b, 0x21, 0x00);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x0E);
    outb(b, 0x20, 0x20);
    /* A slave request that vanishes before INTA takes the master's cascade request with
     * it: the master answers IR7's vector. (The slave's own IR15 answer needs the request
     * to vanish between the two INTA pulses, which an instruction-level INTA cannot show.) */
    pic_set_elcr(&b->pic, 1, 0x02);
    struct irq_line l9 = pic_irq_line(&b->pic, 9);
    irq_raise(&l9);
    CHECK(b->intr);
    CHECK_EQ(pic_get_irr(&b->pic, 0), 0x04);
    outb(b, 0xA1, 0x02);                     /* mask IRQ9 on the slave */
    CHECK(!b->intr);
    CHECK_EQ(pic_get_irr(&b->pic, 0), 0x00);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x0F);
    CHECK_EQ(pic_get_isr(&b->pic, 0), 0x00);
    CHECK_EQ(pic_get_isr(&b->pic, 1), 0x00);
    outb(b, 0xA1, 0x00);                     /* unmasked again: a real request */
    CHECK(b->intr);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x71);
    outb(b, 0xA0, 0x20);
    outb(b, 0x20, 0x20);
}

static void test_auto_eoi_and_rotation(struct board *b)
{
    setup(b, 0x03);                          /* ICW4: 8086 mode, auto-EOI */
    pulse(b, 2 + 1);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x0B);
    CHECK_EQ(pic_get_isr(&b->pic, 0), 0x00); /* nothing stays in service */
    setup(b, 0x01);
    outb(b, 0x20, 0xC4);                     /* set priority: IR4 lowest, IR5 highest */
    pulse(b, 0);
    pulse(b, 6);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x0E);   /* IR6 outranks IR0 now */
    outb(b, 0x20, 0xA0);                     /* rotate on non-specific EOI: IR6 becomes lowest */
    CHECK_EQ(b->pic.chip[0].lowest, 6);
    pulse(b, 6);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x08);   /* IR0 (priority 1) before IR6 (lowest) */
    outb(b, 0x20, 0x20);
    CHECK_EQ(pic_intr_ack(&b->pic), 0x0E);
    outb(b, 0x20, 0x66);                     /* specific EOI IR6 */
    CHECK_EQ(pic_get_isr(&b->pic, 0), 0x00);
}

static void test_poll(struct board *b)
{
    setup(b, 0x01);
    pulse(b, 5);
    outb(b, 0x20, 0x0C);                     /* OCW3 poll */
    CHECK_EQ(inb(b, 0x20), 0x85);
    CHECK_EQ(pic_get_isr(&b->pic, 0), 0x20);
    outb(b, 0x20, 0x0C);
    CHECK_EQ(inb(b, 0x20), 0x00);            /* nothing more */
    outb(b, 0x20, 0x20);
}

static void test_reinit_clears(struct board *b)
{
    setup(b, 0x01);
    pulse(b, 3);
    outb(b, 0x21, 0xFF);
    bios_init(b, 0x01);                      /* ICW1 clears IMR and the edge latches */
    CHECK_EQ(inb(b, 0x21), 0x00);
    CHECK_EQ(pic_get_irr(&b->pic, 0), 0x00);
    CHECK(!b->intr);
}

int main(void)
{
    static struct board b;
    test_priority_and_eoi(&b);
    test_masking(&b);
    test_cascade(&b);
    test_spurious(&b);
    test_auto_eoi_and_rotation(&b);
    test_poll(&b);
    test_reinit_clears(&b);
    return test_summary("test_dev_pic");
}
