#include "devices/uart16550.h"

#include <string.h>

#define UART_LCR_DLAB 0x80
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
/* Modem status inputs with no modem: carrier, data set ready and clear to send asserted, so
 * software that waits for CTS/DSR before sending proceeds. */
#define MSR_CONNECTED 0xB0

static bool fifo_on(const struct uart *u)
{
    return u->fcr & UART_FCR_ENABLE;
}

/* The receive FIFO trigger level of FCR bits 7:6 (16550D, FCR description). */
static unsigned trigger_level(const struct uart *u)
{
    static const unsigned level[4] = {1, 4, 8, 14};
    return fifo_on(u) ? level[u->fcr >> 6] : 1;
}

/* The interrupt identification by priority (16550D, Table IV):
 *   1. receiver line status (overrun, parity, framing, break)   0x06
 *   2. received data available (at the trigger level)           0x04
 *      character timeout (FIFO holds data below the level)      0x0C
 *   3. transmitter holding register empty                       0x02
 *   4. modem status                                             0x00
 * Transmission is instantaneous here and there is no receive clock, so the timeout is
 * reported as soon as data sits below the trigger level: software that waits for it sees
 * the same identification a real line gives after four character times. */
static uint8_t interrupt_id(const struct uart *u)
{
    if ((u->ier & UART_IER_RLSI) && (u->lsr & (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)))
        return UART_IIR_RLSI;
    if ((u->ier & UART_IER_RDI) && u->rx_count) {
        if (u->rx_count >= trigger_level(u))
            return UART_IIR_RDI;
        return UART_IIR_TIMEOUT;
    }
    if ((u->ier & UART_IER_THRI) && u->thr_ipending)
        return UART_IIR_THRI;
    if ((u->ier & UART_IER_MSI) && (u->msr & 0x0F))
        return UART_IIR_MSI;
    return UART_IIR_NONE;
}

/* On a PC serial card the IRQ driver is enabled by the OUT2 modem control output. */
static void update_irq(struct uart *u)
{
    bool level = interrupt_id(u) != UART_IIR_NONE && (u->mcr & UART_MCR_OUT2);
    if (level != u->irq_level) {
        u->irq_level = level;
        irq_set(&u->irq, level);
    }
}

static void rx_clear(struct uart *u)
{
    u->rx_head = u->rx_count = 0;
    u->lsr &= ~UART_LSR_DR;
}

void uart_init(struct uart *u, struct irq_line irq, void (*tx)(void *opaque, uint8_t byte), void *opaque)
{
    memset(u, 0, sizeof *u);
    u->irq = irq;
    u->tx = tx;
    u->opaque = opaque;
    uart_reset(u);
}

void uart_reset(struct uart *u)
{
    u->ier = u->lcr = u->mcr = u->fcr = u->scr = 0;
    u->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    u->msr = MSR_CONNECTED;
    u->divisor = 12; /* 9600 baud, what a BIOS leaves after int 14h init */
    u->thr_ipending = false;
    rx_clear(u);
    update_irq(u);
}

/* A byte arrives at the receiver (from the host, or looped back). */
static int rx_put(struct uart *u, uint8_t b)
{
    unsigned cap = fifo_on(u) ? UART_FIFO : 1;
    if (u->rx_count >= cap) {
        u->lsr |= UART_LSR_OE;
        u->rx_overruns++;
        update_irq(u);
        return -1;
    }
    u->rx[(u->rx_head + u->rx_count) % UART_FIFO] = b;
    u->rx_count++;
    u->lsr |= UART_LSR_DR;
    update_irq(u);
    return 0;
}

int uart_receive(struct uart *u, uint8_t byte)
{
    if (u->mcr & UART_MCR_LOOP)
        return -1; /* the receiver is disconnected from the line in loopback */
    return rx_put(u, byte);
}

bool uart_can_receive(const struct uart *u)
{
    return !(u->mcr & UART_MCR_LOOP) && u->rx_count < (fifo_on(u) ? UART_FIFO : 1u);
}

/* The modem status inputs: in loopback they are the modem control outputs (DTR -> DSR,
 * RTS -> CTS, OUT1 -> RI, OUT2 -> DCD); the delta bits record changes. */
static void set_msr_inputs(struct uart *u, uint8_t in)
{
    uint8_t old = u->msr & 0xF0, delta = u->msr & 0x0F;
    uint8_t ch = old ^ in;
    if (ch & 0x10) delta |= 0x01;                   /* DCTS */
    if (ch & 0x20) delta |= 0x02;                   /* DDSR */
    if ((old & 0x40) && !(in & 0x40)) delta |= 0x04; /* TERI: RI went inactive */
    if (ch & 0x80) delta |= 0x08;                   /* DDCD */
    u->msr = (uint8_t)(in | delta);
}

static uint8_t loop_inputs(uint8_t mcr)
{
    return (uint8_t)(((mcr & UART_MCR_RTS) ? 0x10 : 0) | ((mcr & UART_MCR_DTR) ? 0x20 : 0) |
                     ((mcr & UART_MCR_OUT1) ? 0x40 : 0) | ((mcr & UART_MCR_OUT2) ? 0x80 : 0));
}

static uint32_t uart_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct uart *u = opaque;
    uint8_t v = 0;
    switch (port & 7) {
    case 0:
        if (u->lcr & UART_LCR_DLAB)
            return u->divisor & 0xFF;
        if (u->rx_count) {
            v = u->rx[u->rx_head];
            u->rx_head = (u->rx_head + 1) % UART_FIFO;
            if (--u->rx_count == 0)
                u->lsr &= ~UART_LSR_DR;
        }
        update_irq(u);
        return v;
    case 1:
        if (u->lcr & UART_LCR_DLAB)
            return u->divisor >> 8;
        return u->ier;
    case 2:
        v = interrupt_id(u);
        if (v == UART_IIR_THRI)
            u->thr_ipending = false; /* reading IIR with THRE as the source clears it */
        if (fifo_on(u))
            v |= UART_IIR_FIFO;
        update_irq(u);
        return v;
    case 3:
        return u->lcr;
    case 4:
        return u->mcr;
    case 5:
        v = u->lsr;
        if (fifo_on(u) && (u->lsr & (UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)))
            v |= UART_LSR_FIFOERR;
        u->lsr &= ~(UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI);
        update_irq(u);
        return v;
    case 6:
        v = u->msr;
        u->msr &= 0xF0;
        update_irq(u);
        return v;
    default:
        return u->scr;
    }
}

static void uart_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct uart *u = opaque;
    uint8_t v = (uint8_t)val;
    switch (port & 7) {
    case 0:
        if (u->lcr & UART_LCR_DLAB) {
            u->divisor = (uint16_t)((u->divisor & 0xFF00) | v);
            break;
        }
        /* THR: the byte leaves at once and the holding register is empty again, which is a
         * new THRE interrupt condition. */
        u->tx_count++;
        if (u->mcr & UART_MCR_LOOP)
            rx_put(u, v);
        else if (u->tx)
            u->tx(u->opaque, v);
        u->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
        u->thr_ipending = true;
        break;
    case 1:
        if (u->lcr & UART_LCR_DLAB) {
            u->divisor = (uint16_t)((u->divisor & 0x00FF) | (v << 8));
            break;
        }
        /* Enabling THRE interrupts while the holding register is empty raises one. */
        if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI) && (u->lsr & UART_LSR_THRE))
            u->thr_ipending = true;
        u->ier = v & 0x0F;
        break;
    case 2: {
        bool was_on = fifo_on(u);
        u->fcr = v & 0xC9;
        /* Changing the FIFO enable clears both FIFOs. */
        if ((v & UART_FCR_CLEAR_RX) || was_on != fifo_on(u))
            rx_clear(u);
        break;
    }
    case 3:
        u->lcr = v;
        break;
    case 4:
        u->mcr = v & 0x1F;
        set_msr_inputs(u, (u->mcr & UART_MCR_LOOP) ? loop_inputs(u->mcr) : MSR_CONNECTED);
        break;
    case 5:
        break; /* LSR is read-only (factory test) */
    case 6:
        break;
    default:
        u->scr = v;
        break;
    }
    update_irq(u);
}

int uart_attach(struct uart *u, struct iobus *bus, uint16_t base, const char *name)
{
    return iobus_register(bus, base, 8, uart_port_read, uart_port_write, u, name ? name : "uart");
}
