/* int 10h: the text-mode video services, writing VGA memory at 0xB8000 and the CRTC exactly
 * as a BIOS does (so whatever reads the screen or the cursor registers afterwards agrees).
 * Mode 3 only (80x25, 16 colours, 8 pages of 4 KiB). (IBM PC/AT Technical Reference and
 * the VGA BIOS interface: int 10h functions 00h-13h, 1Ah.) */
#include <stdio.h>
#include <string.h>

#include "emu/bios_internal.h"

#define TEXT_BASE 0xB8000u
#define COLS 80
#define ROWS 25
#define PAGES 8
#define PAGE_BYTES 0x1000u

static unsigned active_page(struct pc *pc) { return bios_rd8(pc, BDA_VIDEO_PAGE) & 7; }

static uint32_t cell_addr(unsigned page, unsigned row, unsigned col)
{
    return TEXT_BASE + (page & 7) * PAGE_BYTES + (row * COLS + col) * 2;
}

static void crtc_write(struct pc *pc, uint8_t reg, uint8_t v)
{
    bios_outb(pc, 0x3D4, reg);
    bios_outb(pc, 0x3D5, v);
}

static void get_cursor(struct pc *pc, unsigned page, unsigned *row, unsigned *col)
{
    uint16_t p = bios_rd16(pc, BDA_CURSOR_POS + 2 * (page & 7));
    *col = p & 0xFF;
    *row = p >> 8;
}

/* Stores the cursor of a page; the CRTC follows when it is the page on screen. */
static void set_cursor(struct pc *pc, unsigned page, unsigned row, unsigned col)
{
    page &= 7;
    bios_wr16(pc, BDA_CURSOR_POS + 2 * page, (uint16_t)((row << 8) | col));
    if (page == active_page(pc)) {
        uint16_t cell = (uint16_t)(page * (PAGE_BYTES / 2) + row * COLS + col);
        crtc_write(pc, 0x0E, (uint8_t)(cell >> 8));
        crtc_write(pc, 0x0F, (uint8_t)cell);
    }
}

/* Cursor shape: CGA-style line numbers (0-7) are scaled to the 16-line VGA cell, as VGA
 * BIOSes do for compatibility; bit 5 of the start line hides the cursor. */
static void set_cursor_shape(struct pc *pc, uint8_t start, uint8_t end)
{
    bios_wr16(pc, BDA_CURSOR_SHAPE, (uint16_t)((start << 8) | end));
    uint8_t s = start & 0x1F, e = end & 0x1F;
    if (s < 8 && e < 8 && !(start & 0x20)) {
        s = (uint8_t)(s * 2);
        e = (uint8_t)(e * 2 + 1);
    }
    crtc_write(pc, 0x0A, (uint8_t)((start & 0x20) | (s & 0x1F)));
    crtc_write(pc, 0x0B, e & 0x1F);
}

void bios_video_set_mode3(struct pc *pc, bool clear)
{
    bios_wr8(pc, BDA_VIDEO_MODE, 3);
    bios_wr16(pc, BDA_VIDEO_COLS, COLS);
    bios_wr16(pc, BDA_VIDEO_PAGESIZE, (uint16_t)PAGE_BYTES);
    bios_wr16(pc, BDA_VIDEO_PAGESTART, 0);
    for (unsigned p = 0; p < PAGES; p++)
        bios_wr16(pc, BDA_CURSOR_POS + 2 * p, 0);
    bios_wr8(pc, BDA_VIDEO_PAGE, 0);
    bios_wr16(pc, BDA_CRTC_BASE, 0x3D4);
    bios_wr8(pc, BDA_VIDEO_MSR, 0x29);
    bios_wr8(pc, BDA_VIDEO_PAL, 0x30);
    bios_wr8(pc, BDA_VIDEO_ROWS, ROWS - 1);
    bios_wr16(pc, BDA_CHAR_HEIGHT, 16);
    if (clear)
        for (uint32_t a = TEXT_BASE; a < TEXT_BASE + PAGES * PAGE_BYTES; a += 2)
            bios_wr16(pc, a, 0x0720);
    crtc_write(pc, 0x0C, 0);
    crtc_write(pc, 0x0D, 0);
    set_cursor_shape(pc, 0x06, 0x07);
    set_cursor(pc, 0, 0, 0);
}

/* AH=06h/07h: scroll a window up/down by n lines (0 = blank it), filling with attr. */
static void scroll(struct pc *pc, unsigned page, bool up, unsigned n, uint8_t attr, unsigned r1,
                   unsigned c1, unsigned r2, unsigned c2)
{
    if (r2 >= ROWS)
        r2 = ROWS - 1;
    if (c2 >= COLS)
        c2 = COLS - 1;
    if (r1 > r2 || c1 > c2)
        return;
    if (up && pc->before_scroll)
        pc->before_scroll(pc->before_scroll_opaque, pc);
    unsigned height = r2 - r1 + 1;
    if (n == 0 || n > height)
        n = height;
    for (unsigned i = 0; i < height; i++) {
        unsigned dst = up ? r1 + i : r2 - i;
        bool from_src = i + n < height;
        unsigned src = up ? dst + n : dst - n;
        for (unsigned col = c1; col <= c2; col++) {
            uint16_t v = from_src ? bios_rd16(pc, cell_addr(page, src, col)) : (uint16_t)((attr << 8) | ' ');
            bios_wr16(pc, cell_addr(page, dst, col), v);
        }
    }
}

/* Teletype output of one character on a page: BEL ignored, BS, CR, LF, wrap, scroll. A new
 * line scrolled in takes the attribute of the cell at the cursor, as the PC BIOS does. */
static void teletype(struct pc *pc, unsigned page, uint8_t ch, int attr)
{
    unsigned row, col;
    get_cursor(pc, page, &row, &col);
    switch (ch) {
    case 0x07:
        return;
    case 0x08:
        if (col > 0)
            col--;
        break;
    case '\r':
        col = 0;
        break;
    case '\n':
        row++;
        break;
    default:
        if (attr < 0)
            bios_wr8(pc, cell_addr(page, row, col), ch);
        else
            bios_wr16(pc, cell_addr(page, row, col), (uint16_t)((attr << 8) | ch));
        if (++col >= COLS) {
            col = 0;
            row++;
        }
        break;
    }
    if (row >= ROWS) {
        uint8_t fill = bios_rd8(pc, cell_addr(page, ROWS - 1, 0) + 1);
        scroll(pc, page, true, 1, fill, 0, 0, ROWS - 1, COLS - 1);
        row = ROWS - 1;
    }
    set_cursor(pc, page, row, col);
}

void bios_video_puts(struct pc *pc, const char *s)
{
    while (*s)
        teletype(pc, active_page(pc), (uint8_t)*s++, -1);
}

void bios_int10(struct pc *pc)
{
    struct cpu *c = &pc->cpu;
    uint8_t ah = RH(c, R_EAX), al = RL(c, R_EAX);
    uint8_t bh = RH(c, R_EBX), bl = RL(c, R_EBX);
    unsigned row, col;
    switch (ah) {
    case 0x00:                            /* set mode (bit 7: keep memory); text mode 3 only */
        bios_video_set_mode3(pc, !(al & 0x80));
        break;
    case 0x01:                            /* cursor shape CH start, CL end */
        set_cursor_shape(pc, RH(c, R_ECX), RL(c, R_ECX));
        break;
    case 0x02:                            /* set cursor: BH page, DH row, DL column */
        set_cursor(pc, bh, RH(c, R_EDX), RL(c, R_EDX));
        break;
    case 0x03:                            /* get cursor and shape */
        get_cursor(pc, bh, &row, &col);
        SET16(c, R_EDX, (uint16_t)((row << 8) | col));
        SET16(c, R_ECX, bios_rd16(pc, BDA_CURSOR_SHAPE));
        SET16(c, R_EAX, 0);
        break;
    case 0x05: {                          /* select the active page */
        unsigned page = al & 7;
        bios_wr8(pc, BDA_VIDEO_PAGE, (uint8_t)page);
        bios_wr16(pc, BDA_VIDEO_PAGESTART, (uint16_t)(page * PAGE_BYTES));
        uint16_t start = (uint16_t)(page * (PAGE_BYTES / 2));
        crtc_write(pc, 0x0C, (uint8_t)(start >> 8));
        crtc_write(pc, 0x0D, (uint8_t)start);
        get_cursor(pc, page, &row, &col);
        set_cursor(pc, page, row, col);
        break;
    }
    case 0x06:                            /* scroll up / down the active page's window */
    case 0x07:
        scroll(pc, active_page(pc), ah == 0x06, al, bh, RH(c, R_ECX), RL(c, R_ECX),
               RH(c, R_EDX), RL(c, R_EDX));
        break;
    case 0x08:                            /* read character and attribute at the cursor */
        get_cursor(pc, bh, &row, &col);
        SET16(c, R_EAX, bios_rd16(pc, cell_addr(bh, row, col)));
        break;
    case 0x09:                            /* write char+attribute CX times; cursor stays */
    case 0x0A: {                          /* write char CX times, attribute kept */
        get_cursor(pc, bh, &row, &col);
        unsigned pos = row * COLS + col;
        for (unsigned n = R16(c, R_ECX); n && pos < ROWS * COLS; n--, pos++) {
            uint32_t a = cell_addr(bh, 0, 0) + pos * 2;
            if (ah == 0x09)
                bios_wr16(pc, a, (uint16_t)((bl << 8) | al));
            else
                bios_wr8(pc, a, al);
        }
        break;
    }
    case 0x0E:                            /* teletype on the active page */
        teletype(pc, active_page(pc), al, -1);
        break;
    case 0x0F:                            /* video state: AH columns, AL mode, BH page */
        SETH(c, R_EAX, (uint8_t)bios_rd16(pc, BDA_VIDEO_COLS));
        SETL(c, R_EAX, bios_rd8(pc, BDA_VIDEO_MODE));
        SETH(c, R_EBX, (uint8_t)active_page(pc));
        break;
    case 0x12:                            /* alternate select */
        if (bl == 0x10) {                 /* EGA/VGA information */
            SETH(c, R_EBX, 0x00);         /* colour mode */
            SETL(c, R_EBX, 0x03);         /* 256 KiB video memory */
            SET16(c, R_ECX, 0x0009);      /* no feature bits; switch setting 9 */
        }
        break;
    case 0x13: {                          /* write string ES:BP, CX chars at DH,DL, page BH */
        bool move = al & 1, attrs = al & 2;
        unsigned save_row, save_col;
        get_cursor(pc, bh, &save_row, &save_col);
        set_cursor(pc, bh, RH(c, R_EDX), RL(c, R_EDX));
        uint32_t src = cpu_seg_lin(c, SEG_ES, R16(c, R_EBP));
        for (unsigned n = R16(c, R_ECX); n; n--) {
            uint8_t ch = bios_rd8(pc, src++);
            int attr = bl;
            if (attrs)
                attr = bios_rd8(pc, src++);
            teletype(pc, bh, ch, ch == 7 || ch == 8 || ch == 10 || ch == 13 ? -1 : attr);
        }
        if (!move)
            set_cursor(pc, bh, save_row, save_col);
        break;
    }
    case 0x1A:                            /* display combination: VGA with colour display */
        if (al == 0x00) {
            SETL(c, R_EAX, 0x1A);
            SET16(c, R_EBX, 0x0008);
        }
        break;
    default:                              /* palette, fonts, graphics: nothing to do */
        break;
    }
}
