/*
 * console.c - VGA text console (80x25 at 0xB8000) mirrored to COM1.
 *
 * Scrolling moves the screen memory up one line; the hardware cursor is set through the
 * CRTC (index port 0x3D4, registers 0Eh/0Fh = cursor location high/low, VGA reference).
 */
#include "kernel.h"

#define VGA_MEM  ((volatile u16 *)0xB8000)
#define ATTR     0x0700

static u32 cols = 80, rows = 25;
static u32 x, y;

static void set_cursor(void)
{
	u32 pos = y * cols + x;
	outb(0x0E, 0x3D4);
	outb(pos >> 8, 0x3D5);
	outb(0x0F, 0x3D4);
	outb(pos & 0xFF, 0x3D5);
}

static void scroll(void)
{
	volatile u16 *v = VGA_MEM;
	for (u32 i = 0; i < (rows - 1) * cols; i++)
		v[i] = v[i + cols];
	for (u32 i = (rows - 1) * cols; i < rows * cols; i++)
		v[i] = ATTR | ' ';
}

void con_init(void)
{
	if (BP_VIDEO_COLS >= 40 && BP_VIDEO_COLS <= 132)
		cols = BP_VIDEO_COLS;
	x = BP_CURSOR & 0xFF;
	y = BP_CURSOR >> 8;
	if (x >= cols || y >= rows)
		x = y = 0;
	serial_init();
}

static void con_putc(char c)
{
	volatile u16 *v = VGA_MEM;
	switch (c) {
	case '\n':
		x = 0;
		y++;
		break;
	case '\r':
		x = 0;
		break;
	case '\b':
		if (x)
			x--;
		break;
	case '\t':
		x = (x + 8) & ~7u;
		break;
	default:
		v[y * cols + x] = ATTR | (u8)c;
		x++;
	}
	if (x >= cols) {
		x = 0;
		y++;
	}
	if (y >= rows) {
		scroll();
		y = rows - 1;
	}
}

/* Called from tasks and from interrupt handlers (echo): keep one writer at a time. */
void con_write(const char *s, u32 n)
{
	u32 f = save_flags_cli();
	for (u32 i = 0; i < n; i++) {
		con_putc(s[i]);
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
	set_cursor();
	restore_flags(f);
}
