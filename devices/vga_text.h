/* VGA in 80x25 text mode (mode 3), as far as a text console uses it.
 *
 *   0xA0000 +----------------+  the whole 128 KiB window is one host buffer (vga->mem) that
 *           | graphics (unused)   the board maps with phys_map_hostmem(); text lives at
 *   0xB8000 +----------------+  offset 0x18000: cell = char byte, attribute byte
 *           | text: 80x25 cells, start address (CRTC 0Ch/0Dh) selects the first one shown
 *   0xBFFFF +----------------+
 *
 * Ports: CRTC index/data 0x3D4/0x3D5 (and the mono alias 0x3B4/0x3B5), misc output write
 * 0x3C2 / read 0x3CC, input status 1 at 0x3DA/0x3BA (retrace bits toggling with time, and a
 * read resets the attribute flip-flop), attribute controller 0x3C0/0x3C1, sequencer
 * 0x3C4/0x3C5, graphics controller 0x3CE/0x3CF, DAC 0x3C6-0x3C9 (stored, harmless).
 * (IBM VGA Technical Reference: CRT controller registers, attribute controller.) */
#ifndef PW_DEVICES_VGA_TEXT_H
#define PW_DEVICES_VGA_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/iobus.h"
#include "devices/vtime.h"

#define VGA_WINDOW_BASE 0xA0000u
#define VGA_WINDOW_SIZE 0x20000u
#define VGA_TEXT_OFFSET 0x18000u   /* 0xB8000 in the window */
#define VGA_TEXT_SIZE 0x8000u      /* 32 KiB of text memory at 0xB8000-0xBFFFF */
#define VGA_COLS 80
#define VGA_ROWS 25

struct vga {
    uint8_t mem[VGA_WINDOW_SIZE];
    uint8_t crtc_index;
    uint8_t crtc[0x19];
    uint8_t misc;            /* misc output: bit 0 = colour (ports at 0x3Dx) */
    uint8_t seq_index, seq[5];
    uint8_t gc_index, gc[9];
    bool attr_flip;          /* false: next 0x3C0 write is an index */
    uint8_t attr_index;      /* bit 5 = palette address source (screen enabled) */
    uint8_t attr[0x15];
    uint8_t dac_read_index, dac_write_index, dac_comp, dac_mask;
    uint8_t dac[256][3];
    uint8_t feature;
    struct vclock clock;
};

/* One character cell and the whole visible screen, for the overlay. */
struct vga_cell {
    uint8_t ch;
    uint8_t attr;            /* bits 0-3 foreground, 4-6 background, 7 blink */
};
struct vga_screen {
    struct vga_cell cell[VGA_ROWS][VGA_COLS];
    int cursor_row, cursor_col;  /* may lie outside the screen (then not shown) */
    bool cursor_visible;         /* CRTC 0Ah bit 5 clear and start <= end */
    uint8_t cursor_start, cursor_end;  /* scan lines 0..15 */
};

void vga_init(struct vga *v, struct vclock clock);
/* Mode 3 as a BIOS leaves it: blank screen (0x0720), cursor lines 13-14 at 0, start 0. */
void vga_reset(struct vga *v);
/* Claims the VGA ports listed above. Returns 0, or -1 on a port conflict. */
int vga_attach(struct vga *v, struct iobus *bus);

/* CRTC start address and cursor location, in character cells from 0xB8000. */
uint16_t vga_start_address(const struct vga *v);
uint16_t vga_cursor_address(const struct vga *v);

void vga_get_screen(const struct vga *v, struct vga_screen *s);
/* The 25 visible lines as text, honouring the start address: each line with trailing
 * blanks removed and a '\n'; NUL shows as a blank, bytes outside printable ASCII as '.'.
 * Writes at most cap bytes (NUL-terminated when cap > 0); returns the full length. */
size_t vga_screen_text(const struct vga *v, char *buf, size_t cap);

/* The 16 text attribute colours as 0xRRGGBB (the standard VGA palette). */
extern const uint32_t vga_palette_rgb[16];

#endif
