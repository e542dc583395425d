/* The 16550A UART (one instance per serial port: COM1 0x3F8 IRQ4, COM2 0x2F8 IRQ3).
 *
 *   base+0  RBR (read) / THR (write)       DLAB=1: divisor latch low
 *   base+1  IER                            DLAB=1: divisor latch high
 *   base+2  IIR (read) / FCR (write)
 *   base+3  LCR (bit 7 = DLAB)   base+4 MCR   base+5 LSR   base+6 MSR   base+7 SCR
 *
 * Transmission is immediate: a byte written to THR goes to the host callback at once and THR
 * is empty again (the line is infinitely fast, so runs stay reproducible). Received bytes
 * come from uart_receive() into a 16-byte FIFO. In loopback (MCR bit 4) transmitted bytes
 * come back to the receiver and the modem control outputs drive the status inputs. With
 * no receive clock, FIFO data below the trigger level reports the character-timeout
 * interrupt (IIR 0Ch) at once. The IRQ reaches the PIC only with MCR OUT2 set, as on a PC.
 * (NS PC16550D datasheet: register summary, Table IV interrupt control.) */
#ifndef PW_DEVICES_UART16550_H
#define PW_DEVICES_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/iobus.h"
#include "devices/irq.h"

#define UART_FIFO 16

/* LSR */
#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_LSR_FIFOERR 0x80
/* IER */
#define UART_IER_RDI 0x01
#define UART_IER_THRI 0x02
#define UART_IER_RLSI 0x04
#define UART_IER_MSI 0x08
/* IIR */
#define UART_IIR_NONE 0x01
#define UART_IIR_MSI 0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_TIMEOUT 0x0C
#define UART_IIR_FIFO 0xC0
/* MCR */
#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

struct uart {
    uint8_t ier, lcr, mcr, lsr, msr, scr;
    uint8_t fcr;             /* as last written (bits 0, 6, 7 kept) */
    uint16_t divisor;
    uint8_t rx[UART_FIFO];
    unsigned rx_head, rx_count;
    bool thr_ipending;       /* THRE interrupt pending (cleared by IIR read or THR write) */
    bool timeout_ipending;   /* character timeout (FIFO mode: data below trigger level) */
    bool irq_level;
    struct irq_line irq;
    void (*tx)(void *opaque, uint8_t byte);  /* bytes the guest sent (may be NULL) */
    void *opaque;
    uint64_t tx_count, rx_overruns;
};

void uart_init(struct uart *u, struct irq_line irq, void (*tx)(void *opaque, uint8_t byte),
               void *opaque);
/* Master reset: IER 0, LCR 0, MCR 0, LSR THRE|TEMT, FIFOs off and empty. */
void uart_reset(struct uart *u);
/* Claims base..base+7. Returns 0, or -1 on a port conflict. */
int uart_attach(struct uart *u, struct iobus *bus, uint16_t base, const char *name);

/* Host input: one received byte. Returns 0, or -1 when the receiver is full (the byte is
 * not taken: a host should wait for uart_can_receive()). */
int uart_receive(struct uart *u, uint8_t byte);
bool uart_can_receive(const struct uart *u);

#endif
