/*
 * printk.c - kernel messages to the console (VGA + COM1), and panic.
 */
#include "kernel.h"

int printk(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1)
		n = sizeof buf - 1;
	con_write(buf, n);
	return n;
}

/* A broken invariant stops the machine where it can be inspected; the debug-exit port
 * makes QEMU (and pagewalk) leave with a distinct status instead of hanging a test. */
_Noreturn void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	cli();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	printk("Kernel panic: %s\n", buf);
	outb(0x7F, 0xF4);
	for (;;)
		__asm__ volatile("hlt");
}
