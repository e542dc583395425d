/*
 * serial.c - COM1 (16550 at 0x3F8, IRQ4), 38400 8N1. Output is polled on THRE; input
 * arrives by the receive-data interrupt (IER bit 0; OUT2 gates the IRQ line on a PC).
 */
#include "kernel.h"

#define COM1 0x3F8

void serial_init(void)
{
	outb(0x00, COM1 + 1);   /* IER off while programming */
	outb(0x80, COM1 + 3);   /* DLAB */
	outb(3, COM1 + 0);      /* 115200 / 3 = 38400 baud */
	outb(0, COM1 + 1);
	outb(0x03, COM1 + 3);   /* 8N1 */
	outb(0xC7, COM1 + 2);   /* FIFO on, cleared */
	outb(0x0B, COM1 + 4);   /* DTR, RTS, OUT2 */
	outb(0x01, COM1 + 1);   /* receive-data interrupt */
	(void)inb(COM1 + 0);
}

void serial_putc(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(c, COM1);
}

void serial_intr(void)
{
	while (inb(COM1 + 5) & 0x01) {
		char c = inb(COM1);
		tty_input(c == '\r' ? '\n' : c);
	}
	(void)inb(COM1 + 2);    /* read IIR: acknowledges any other cause */
}
