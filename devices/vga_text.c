#include "devices/vga_text.h"

#include <string.h>

/* CRTC register indices (IBM VGA Technical Reference, "CRT Controller Registers"). */
enum {
    CRTC_CURSOR_START = 0x0A, /* bit 5: cursor off; bits 0-4: first scan line */
    CRTC_CURSOR_END = 0x0B,
    CRTC_START_HI = 0x0C,
    CRTC_START_LO = 0x0D,
    CRTC_CURSOR_HI = 0x0E,
    CRTC_CURSOR_LO = 0x0F,
    CRTC_MAX_SCAN = 0x09,
};

/* Display timing of mode 3 at 70 Hz: 14.3 ms per frame, of which the vertical retrace takes
 * about 0.06 ms; a horizontal line every 31.8 us with ~3.8 us of horizontal blanking. Status
 * bits are a function of virtual time so a retrace-polling loop terminates the same way in
 * every run. */
#define FRAME_NS 14268000ull
#define VRETRACE_NS 64000ull
#define LINE_NS 31778ull
#define HBLANK_NS 3813ull

/* Mode 3 CRTC values as the BIOS programs them (80x25, 9x16 cell, cursor lines 13-14). */
static const uint8_t crtc_mode3[0x19] = {
    0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00,
    0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
};
static const uint8_t attr_mode3[0x15] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A,
    0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00,
};

/* The 16 colours of the default text palette (attribute values through the default DAC). */
const uint32_t vga_palette_rgb[16] = {
    0x000000, 0x0000AA, 0x00AA00, 0x00AAAA, 0xAA0000, 0xAA00AA, 0xAA5500, 0xAAAAAA,
    0x555555, 0x5555FF, 0x55FF55, 0x55FFFF, 0xFF5555, 0xFF55FF, 0xFFFF55, 0xFFFFFF,
};

void vga_init(struct vga *v, struct vclock clock)
{
    memset(v, 0, sizeof *v);
    v->clock = clock;
    vga_reset(v);
}

void vga_reset(struct vga *v)
{
    memcpy(v->crtc, crtc_mode3, sizeof v->crtc);
    memcpy(v->attr, attr_mode3, sizeof v->attr);
    v->crtc_index = 0;
    v->misc = 0x67; /* colour, RAM enabled, 28 MHz clock, sync polarities for 400 lines */
    v->seq_index = 0;
    const uint8_t seq[5] = {0x03, 0x00, 0x03, 0x00, 0x02};
    memcpy(v->seq, seq, sizeof seq);
    v->gc_index = 0;
    const uint8_t gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF};
    memcpy(v->gc, gc, sizeof gc);
    v->attr_flip = false;
    v->attr_index = 0x20;
    v->dac_mask = 0xFF;
    v->dac_read_index = v->dac_write_index = v->dac_comp = 0;
    for (int i = 0; i < 16; i++) {
        /* The DAC entries the attribute palette points at hold the 16 colours (6 bits). */
        unsigned idx = attr_mode3[i];
        uint32_t rgb = vga_palette_rgb[i];
        v->dac[idx][0] = (uint8_t)((rgb >> 16) >> 2);
        v->dac[idx][1] = (uint8_t)(((rgb >> 8) & 0xFF) >> 2);
        v->dac[idx][2] = (uint8_t)((rgb & 0xFF) >> 2);
    }
    memset(v->mem, 0, sizeof v->mem);
    uint8_t *text = v->mem + VGA_TEXT_OFFSET;
    for (unsigned i = 0; i < VGA_TEXT_SIZE; i += 2) {
        text[i] = ' ';
        text[i + 1] = 0x07;
    }
}

uint16_t vga_start_address(const struct vga *v)
{
    return (uint16_t)(v->crtc[CRTC_START_HI] << 8 | v->crtc[CRTC_START_LO]);
}

uint16_t vga_cursor_address(const struct vga *v)
{
    return (uint16_t)(v->crtc[CRTC_CURSOR_HI] << 8 | v->crtc[CRTC_CURSOR_LO]);
}

/* ----- ports --------------------------------------------------------------------------- */

/* Input status 1: bit 0 = display disabled (any blanking), bit 3 = vertical retrace. */
static uint8_t input_status(struct vga *v)
{
    uint64_t now = vclock_now(&v->clock);
    uint64_t in_frame = now % FRAME_NS;
    bool vr = in_frame >= FRAME_NS - VRETRACE_NS;
    bool hb = (now % LINE_NS) >= LINE_NS - HBLANK_NS;
    return (uint8_t)((vr ? 0x08 : 0) | ((vr || hb) ? 0x01 : 0));
}

/* Whether a CRTC/status port is the one the misc register's I/O select bit enables:
 * 0x3Dx with bit 0 set (colour), 0x3Bx with it clear. The other set floats. */
static bool crtc_port_active(const struct vga *v, uint16_t port)
{
    bool colour = v->misc & 1;
    return ((port & 0xFFF0) == 0x3D0) == colour;
}

static uint32_t vga_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct vga *v = opaque;
    switch (port) {
    case 0x3B4: case 0x3D4:
        return crtc_port_active(v, port) ? v->crtc_index : 0xFF;
    case 0x3B5: case 0x3D5:
        if (!crtc_port_active(v, port))
            return 0xFF;
        return v->crtc_index < sizeof v->crtc ? v->crtc[v->crtc_index] : 0xFF;
    case 0x3BA: case 0x3DA:
        if (!crtc_port_active(v, port))
            return 0xFF;
        v->attr_flip = false; /* reading input status 1 resets the attribute flip-flop */
        return input_status(v);
    case 0x3C0:
        return v->attr_index;
    case 0x3C1:
        return (v->attr_index & 0x1F) < sizeof v->attr ? v->attr[v->attr_index & 0x1F] : 0;
    case 0x3C2:
        return 0x10; /* input status 0: switch sense (a colour monitor is attached) */
    case 0x3C4:
        return v->seq_index;
    case 0x3C5:
        return v->seq_index < sizeof v->seq ? v->seq[v->seq_index] : 0xFF;
    case 0x3C6:
        return v->dac_mask;
    case 0x3C7:
        return 0x00; /* DAC state: in read mode? 0 = write mode, harmless */
    case 0x3C8:
        return v->dac_write_index;
    case 0x3C9: {
        uint8_t val = v->dac[v->dac_read_index][v->dac_comp];
        if (++v->dac_comp == 3) {
            v->dac_comp = 0;
            v->dac_read_index++;
        }
        return val;
    }
    case 0x3CA:
        return v->feature;
    case 0x3CC:
        return v->misc;
    case 0x3CE:
        return v->gc_index;
    case 0x3CF:
        return v->gc_index < sizeof v->gc ? v->gc[v->gc_index] : 0xFF;
    default:
        return 0xFF;
    }
}

static void vga_port_write8(struct vga *v, uint16_t port, uint8_t val)
{
    switch (port) {
    case 0x3B4: case 0x3D4:
        if (crtc_port_active(v, port))
            v->crtc_index = val & 0x3F;
        break;
    case 0x3B5: case 0x3D5:
        if (!crtc_port_active(v, port) || v->crtc_index >= sizeof v->crtc)
            break;
        /* Registers 0-7 are write protected when CRTC 11h bit 7 is set, except the
         * overflow register's line compare bit 4. */
        if (v->crtc_index <= 7 && (v->crtc[0x11] & 0x80)) {
            if (v->crtc_index == 7)
                v->crtc[7] = (uint8_t)((v->crtc[7] & ~0x10) | (val & 0x10));
            break;
        }
        v->crtc[v->crtc_index] = val;
        break;
    case 0x3BA: case 0x3DA:
        if (crtc_port_active(v, port))
            v->feature = val;
        break;
    case 0x3C0:
        if (!v->attr_flip)
            v->attr_index = val & 0x3F;
        else if ((v->attr_index & 0x1F) < sizeof v->attr)
            v->attr[v->attr_index & 0x1F] = val;
        v->attr_flip = !v->attr_flip;
        break;
    case 0x3C2:
        v->misc = val;
        break;
    case 0x3C4:
        v->seq_index = val & 7;
        break;
    case 0x3C5:
        if (v->seq_index < sizeof v->seq)
            v->seq[v->seq_index] = val;
        break;
    case 0x3C6:
        v->dac_mask = val;
        break;
    case 0x3C7:
        v->dac_read_index = val;
        v->dac_comp = 0;
        break;
    case 0x3C8:
        v->dac_write_index = val;
        v->dac_comp = 0;
        break;
    case 0x3C9:
        v->dac[v->dac_write_index][v->dac_comp] = val & 0x3F;
        if (++v->dac_comp == 3) {
            v->dac_comp = 0;
            v->dac_write_index++;
        }
        break;
    case 0x3CE:
        v->gc_index = val & 0x0F;
        break;
    case 0x3CF:
        if (v->gc_index < sizeof v->gc)
            v->gc[v->gc_index] = val;
        break;
    default:
        break;
    }
}

/* A 16-bit OUT to an index port writes index then data (out dx, ax with AL = index), the
 * common way to program the CRTC; iobus hands us the word when we own both ports. */
static void vga_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct vga *v = opaque;
    for (unsigned i = 0; i < size; i++)
        vga_port_write8(v, (uint16_t)(port + i), (uint8_t)(val >> (8 * i)));
}

static uint32_t vga_port_read_any(void *opaque, uint16_t port, unsigned size)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < size; i++)
        r |= vga_port_read(opaque, (uint16_t)(port + i), 1) << (8 * i);
    return r;
}

int vga_attach(struct vga *v, struct iobus *bus)
{
    if (iobus_register(bus, 0x3B4, 2, vga_port_read_any, vga_port_write, v, "vga-crtc-mono") ||
        iobus_register(bus, 0x3BA, 1, vga_port_read_any, vga_port_write, v, "vga-status-mono") ||
        iobus_register(bus, 0x3C0, 16, vga_port_read_any, vga_port_write, v, "vga") ||
        iobus_register(bus, 0x3D4, 2, vga_port_read_any, vga_port_write, v, "vga-crtc") ||
        iobus_register(bus, 0x3DA, 1, vga_port_read_any, vga_port_write, v, "vga-status"))
        return -1;
    return 0;
}

/* ----- the screen ---------------------------------------------------------------------- */

/* Cell i of the screen as the CRTC scans it: the start address plus i, wrapping in the
 * 32 KiB text window (16 K cells). */
static const uint8_t *cell_ptr(const struct vga *v, unsigned i)
{
    unsigned cell = (vga_start_address(v) + i) & (VGA_TEXT_SIZE / 2 - 1);
    return v->mem + VGA_TEXT_OFFSET + 2 * cell;
}

void vga_get_screen(const struct vga *v, struct vga_screen *s)
{
    for (int r = 0; r < VGA_ROWS; r++)
        for (int c = 0; c < VGA_COLS; c++) {
            const uint8_t *p = cell_ptr(v, (unsigned)(r * VGA_COLS + c));
            s->cell[r][c].ch = p[0];
            s->cell[r][c].attr = p[1];
        }
    int pos = (int)((vga_cursor_address(v) - vga_start_address(v)) & 0xFFFF);
    s->cursor_row = pos / VGA_COLS;
    s->cursor_col = pos % VGA_COLS;
    s->cursor_start = v->crtc[CRTC_CURSOR_START] & 0x1F;
    s->cursor_end = v->crtc[CRTC_CURSOR_END] & 0x1F;
    s->cursor_visible = !(v->crtc[CRTC_CURSOR_START] & 0x20) && s->cursor_start <= s->cursor_end &&
                        s->cursor_row < VGA_ROWS;
}

size_t vga_screen_text(const struct vga *v, char *buf, size_t cap)
{
    size_t n = 0;
    for (int r = 0; r < VGA_ROWS; r++) {
        char line[VGA_COLS];
        int len = 0;
        for (int c = 0; c < VGA_COLS; c++) {
            uint8_t ch = cell_ptr(v, (unsigned)(r * VGA_COLS + c))[0];
            line[c] = ch == 0 ? ' ' : (ch >= 0x20 && ch < 0x7F) ? (char)ch : '.';
            if (line[c] != ' ')
                len = c + 1;
        }
        for (int c = 0; c <= len; c++, n++) {
            char out = c < len ? line[c] : '\n';
            if (n + 1 < cap)
                buf[n] = out;
        }
    }
    if (cap)
        buf[n < cap ? n : cap - 1] = '\0';
    return n;
}
