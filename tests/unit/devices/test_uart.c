/* 16550A: divisor latch, scratch, THRE interrupt and its clearing, receive interrupt, IIR
 * priority, FIFO trigger levels and timeout identification, overrun, loopback with modem
 * status, OUT2 gating of the IRQ. */
#include "devices/uart16550.h"

#include <string.h>

#include "test.h"

#define COM1 0x3F8

struct board {
    struct iobus bus;
    struct uart uart;
    bool irq;
    uint8_t sent[64];
    int nsent;
};

static void irq_fn(void *opaque, int n, bool level) { ((struct board *)opaque)->irq = level; }
static void tx_fn(void *opaque, uint8_t c)
{
    struct board *b = opaque;
    if (b->nsent < (int)sizeof b->sent)
        b->sent[b->nsent++] = c;
}
static void outb(struct board *b, int reg, uint8_t v) { iobus_write(&b->bus, (uint16_t)(COM1 + reg), 1, v); }
static uint8_t inb(struct board *b, int reg) { return (uint8_t)iobus_read(&b->bus, (uint16_t)(COM1 + reg), 1); }

static void setup(struct board *b)
{
    memset(b, 0, sizeof *b);
    iobus_init(&b->bus);
    struct irq_line irq4 = {irq_fn, b, 4};
    uart_init(&b->uart, irq4, tx_fn, b);
    CHECK_EQ(uart_attach(&b->uart, &b->bus, COM1, "com1"), 0);
}

static void test_registers(struct board *b)
{
    setup(b);
    CHECK_EQ(inb(b, 5), UART_LSR_THRE | UART_LSR_TEMT);
    CHECK_EQ(inb(b, 2), UART_IIR_NONE);
    outb(b, 3, 0x80);                         /* DLAB */
    outb(b, 0, 0x01);
    outb(b, 1, 0x00);                         /* 115200 baud */
    CHECK_EQ(inb(b, 0), 0x01);
    CHECK_EQ(inb(b, 1), 0x00);
    CHECK_EQ(b->uart.divisor, 1);
    outb(b, 3, 0x03);                         /* 8N1, DLAB off */
    CHECK_EQ(inb(b, 3), 0x03);
    outb(b, 7, 0x5A);
    CHECK_EQ(inb(b, 7), 0x5A);
    outb(b, 0, 'h');
    outb(b, 0, 'i');
    CHECK_EQ(b->nsent, 2);
    CHECK(memcmp(b->sent, "hi", 2) == 0);
    CHECK_EQ(inb(b, 5) & UART_LSR_THRE, UART_LSR_THRE);
}

static void test_interrupts(struct board *b)
{
    setup(b);
    outb(b, 4, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
    outb(b, 1, UART_IER_THRI);                /* enabling with THR empty: THRE at once */
    CHECK(b->irq);
    CHECK_EQ(inb(b, 2), UART_IIR_THRI);
    CHECK(!b->irq);                           /* reading IIR cleared it */
    CHECK_EQ(inb(b, 2), UART_IIR_NONE);
    outb(b, 0, 'x');                          /* sent at once: THRE again */
    CHECK(b->irq);
    /* Received data outranks THRE. */
    outb(b, 1, UART_IER_THRI | UART_IER_RDI | UART_IER_RLSI);
    CHECK_EQ(uart_receive(&b->uart, 'A'), 0);
    CHECK_EQ(inb(b, 2), UART_IIR_RDI);
    CHECK_EQ(inb(b, 5) & UART_LSR_DR, UART_LSR_DR);
    /* A second byte without FIFO: overrun, which outranks everything. */
    CHECK(!uart_can_receive(&b->uart));
    CHECK_EQ(uart_receive(&b->uart, 'B'), -1);
    CHECK_EQ(inb(b, 2), UART_IIR_RLSI);
    CHECK_EQ(inb(b, 5) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE | UART_LSR_DR);
    CHECK_EQ(inb(b, 2), UART_IIR_RDI);        /* LSR read cleared the overrun */
    CHECK_EQ(inb(b, 0), 'A');
    CHECK_EQ(inb(b, 2), UART_IIR_THRI);       /* then the still pending THRE */
    CHECK_EQ(inb(b, 2), UART_IIR_NONE);
    CHECK(!b->irq);
    /* OUT2 gates the IRQ line on a PC. */
    outb(b, 4, UART_MCR_DTR | UART_MCR_RTS);
    uart_receive(&b->uart, 'C');
    CHECK(!b->irq);
    CHECK_EQ(inb(b, 2), UART_IIR_RDI);
    outb(b, 4, UART_MCR_OUT2);
    CHECK(b->irq);
    CHECK_EQ(inb(b, 0), 'C');
    CHECK(!b->irq);
}

static void test_fifo(struct board *b)
{
    setup(b);
    outb(b, 4, UART_MCR_OUT2);
    outb(b, 2, 0x81);                         /* FIFO on, trigger 8 */
    outb(b, 1, UART_IER_RDI);
    CHECK_EQ(inb(b, 2), 0xC0 | UART_IIR_NONE);
    for (int i = 0; i < 7; i++)
        CHECK_EQ(uart_receive(&b->uart, (uint8_t)('0' + i)), 0);
    CHECK_EQ(inb(b, 2), 0xC0 | UART_IIR_TIMEOUT); /* below the trigger level */
    uart_receive(&b->uart, '7');
    CHECK_EQ(inb(b, 2), 0xC0 | UART_IIR_RDI);     /* at the trigger level */
    for (int i = 8; i < 16; i++)
        CHECK_EQ(uart_receive(&b->uart, (uint8_t)('0' + i)), 0);
    CHECK(!uart_can_receive(&b->uart));
    CHECK_EQ(uart_receive(&b->uart, 'X'), -1);
    CHECK_EQ(inb(b, 0), '0');                 /* FIFO order */
    CHECK_EQ(inb(b, 0), '1');
    outb(b, 2, 0x83);                         /* clear the receive FIFO */
    CHECK_EQ(inb(b, 5) & UART_LSR_DR, 0);
    CHECK(!b->irq);
    outb(b, 2, 0x00);                         /* FIFO off */
    CHECK_EQ(inb(b, 2) & 0xC0, 0);
}

static void test_loopback(struct board *b)
{
    setup(b);
    outb(b, 4, UART_MCR_LOOP);
    CHECK_EQ(inb(b, 6) & 0xF0, 0x00);         /* no outputs: no inputs */
    outb(b, 4, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_DTR);
    CHECK_EQ(inb(b, 6), 0x30 | 0x03);         /* CTS, DSR with their deltas */
    CHECK_EQ(inb(b, 6), 0x30);                /* deltas cleared by the read */
    outb(b, 0, 0x55);
    CHECK_EQ(b->nsent, 0);                    /* nothing on the line */
    CHECK_EQ(inb(b, 5) & UART_LSR_DR, UART_LSR_DR);
    CHECK_EQ(inb(b, 0), 0x55);
    CHECK_EQ(uart_receive(&b->uart, 1), -1);  /* the line is disconnected in loopback */
    /* Modem status interrupt from a looped-back change. */
    outb(b, 1, UART_IER_MSI);
    outb(b, 4, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_DTR | UART_MCR_OUT2);
    CHECK_EQ(inb(b, 2), UART_IIR_MSI);
    CHECK_EQ(inb(b, 6), 0xB0 | 0x08);         /* DCD came up */
    CHECK_EQ(inb(b, 2), UART_IIR_NONE);
}

int main(void)
{
    static struct board b;
    test_registers(&b);
    test_interrupts(&b);
    test_fifo(&b);
    test_loopback(&b);
    return test_summary("test_dev_uart");
}
