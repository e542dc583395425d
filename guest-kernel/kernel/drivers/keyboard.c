/*
 * keyboard.c - PS/2 keyboard (8042 data port 0x60, IRQ1), scan code set 1 as the
 * controller translates it. Only the keys a shell needs: letters, digits, punctuation,
 * Enter, Backspace, Tab, Space, Shift and Ctrl.
 */
#include "kernel.h"

static const char normal[0x3A] = {
	0, 27, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 127, '\t',
	'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0, 'a', 's',
	'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
	'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char shifted[0x3A] = {
	0, 27, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 127, '\t',
	'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0, 'A', 'S',
	'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
	'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

static int shift, ctrl;

void kbd_intr(void)
{
	u8 sc = inb(0x60);
	switch (sc) {
	case 0x2A: case 0x36: shift = 1; return;
	case 0xAA: case 0xB6: shift = 0; return;
	case 0x1D: ctrl = 1; return;
	case 0x9D: ctrl = 0; return;
	}
	if (sc & 0x80 || sc >= 0x3A)
		return;
	char c = (shift ? shifted : normal)[sc];
	if (!c)
		return;
	if (ctrl && c >= 'a' && c <= 'z')
		c -= 'a' - 1;
	tty_input(c);
}
