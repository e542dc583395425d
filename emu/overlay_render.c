#include "emu/overlay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/vga_text.h"
#include "emu/font.h"
#include "emu/pc.h"
#include "emu/png.h"
#include "emu/translate.h"

#define BG 0x101418u
#define FG 0xC8C8C8u
#define DIM 0x8A8F98u
#define HEAD 0x7FC8FFu
#define WARN 0xFF6060u

#define GRID_X 648
#define GRID_Y 20
#define GRID_W 628
#define GRID_H 376

static void on_event(void *opaque, const struct pw_event *ev)
{
    struct overlay *o = opaque;
    if (ev->kind != PW_EV_PAGE_FAULT)
        return;
    fault_capture(&o->faults[o->fault_head], &o->pc->cpu, &o->guest, ev->pf.lin, ev->pf.err);
    o->fault_head = (o->fault_head + 1) % OVERLAY_FAULTS;
    if (o->nfaults < OVERLAY_FAULTS)
        o->nfaults++;
}

int overlay_init(struct overlay *o, struct pc *pc, const struct symtab *syms)
{
    memset(o, 0, sizeof *o);
    o->pc = pc;
    o->sel_pde = -1;
    guest_init(&o->guest, &pc->cpu, syms);
    o->nframes = pc->phys.ram_size >> 12;
    o->fb = calloc((size_t)OVERLAY_W * OVERLAY_H, sizeof *o->fb);
    o->counts = calloc(o->nframes, sizeof *o->counts);
    o->prev = calloc(o->nframes, sizeof *o->prev);
    o->refs = calloc(o->nframes, sizeof *o->refs);
    o->is_table = calloc(o->nframes, 1);
    o->flash = calloc(o->nframes, 1);
    if (!o->fb || !o->counts || !o->prev || !o->refs || !o->is_table || !o->flash) {
        overlay_free(o);
        return -1;
    }
    return pw_events_subscribe(&pc->events, PW_EV_BIT(PW_EV_PAGE_FAULT), on_event, o);
}

void overlay_free(struct overlay *o)
{
    if (o->pc)
        pw_events_unsubscribe(&o->pc->events, on_event, o);
    free(o->fb), free(o->counts), free(o->prev), free(o->refs), free(o->is_table), free(o->flash);
    o->fb = NULL;
    o->counts = o->prev = o->refs = NULL;
    o->is_table = o->flash = NULL;
}

/* ------------------------------------------------------------------ drawing ---------- */

static void fill(struct overlay *o, int x, int y, int w, int h, uint32_t c)
{
    for (int j = y < 0 ? 0 : y; j < y + h && j < OVERLAY_H; j++)
        for (int i = x < 0 ? 0 : x; i < x + w && i < OVERLAY_W; i++)
            o->fb[j * OVERLAY_W + i] = c;
}

static void glyph(struct overlay *o, int x, int y, uint8_t ch, uint32_t fg, uint32_t bg)
{
    const struct font *f = font_default();
    for (int r = 0; r < FONT_H; r++) {
        if (y + r < 0 || y + r >= OVERLAY_H)
            continue;
        uint8_t bits = f->glyph[ch][r];
        for (int c = 0; c < FONT_W; c++)
            if (x + c >= 0 && x + c < OVERLAY_W)
                o->fb[(y + r) * OVERLAY_W + x + c] = (bits & (0x80 >> c)) ? fg : bg;
    }
}

/* Text clipped to max_cols characters. */
static void text(struct overlay *o, int x, int y, int max_cols, uint32_t fg, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void text(struct overlay *o, int x, int y, int max_cols, uint32_t fg, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (int i = 0; buf[i] && i < max_cols; i++)
        glyph(o, x + i * FONT_W, y, (uint8_t)buf[i], fg, BG);
}

static uint32_t blend(uint32_t a, uint32_t b, int t /* 0..256 */)
{
    uint32_t r = (((a >> 16) & 0xFF) * (uint32_t)(256 - t) + ((b >> 16) & 0xFF) * (uint32_t)t) >> 8;
    uint32_t g = (((a >> 8) & 0xFF) * (uint32_t)(256 - t) + ((b >> 8) & 0xFF) * (uint32_t)t) >> 8;
    uint32_t bl = ((a & 0xFF) * (uint32_t)(256 - t) + (b & 0xFF) * (uint32_t)t) >> 8;
    return r << 16 | g << 8 | bl;
}

static void draw_console(struct overlay *o)
{
    struct vga_screen s;
    vga_get_screen(&o->pc->vga, &s);
    for (int r = 0; r < VGA_ROWS; r++)
        for (int c = 0; c < VGA_COLS; c++) {
            uint8_t a = s.cell[r][c].attr;
            glyph(o, c * FONT_W, r * FONT_H, s.cell[r][c].ch, vga_palette_rgb[a & 0xF], vga_palette_rgb[(a >> 4) & 7]);
        }
    if (s.cursor_visible && s.cursor_row >= 0 && s.cursor_row < VGA_ROWS && s.cursor_col >= 0 &&
        s.cursor_col < VGA_COLS) {
        int end = s.cursor_end > 15 ? 15 : s.cursor_end;
        uint8_t a = s.cell[s.cursor_row][s.cursor_col].attr;
        for (int l = s.cursor_start; l <= end; l++)
            fill(o, s.cursor_col * FONT_W, s.cursor_row * FONT_H + l, FONT_W, 1, vga_palette_rgb[a & 0xF]);
    }
}

/* The category colour of one frame. */
static uint32_t frame_colour(const struct overlay *o, uint32_t f, bool have_map)
{
    if (!have_map)
        return OV_UNTRACKED;
    uint32_t addr = f << 12;
    const struct guest_layout_image *l = &o->guest.l;
    if (addr < l->low_mem)
        return OV_LOWMEM;
    uint32_t i = (addr - l->low_mem) >> 12;
    if (i >= l->npages)
        return OV_UNTRACKED;
    uint16_t c = o->counts[i];
    if (c == l->used_value)
        return OV_RESERVED;
    if (c == 0)
        return OV_FREE;
    if (o->is_table[i])
        return OV_PAGETABLE;
    return c == 1 ? OV_ONE : c == 2 ? OV_SHARED2 : OV_SHARED3;
}

static void layout_grid(struct overlay *o)
{
    uint32_t n = o->shown_frames ? o->shown_frames : o->nframes;
    int cell = 1;
    while (cell < 16) {
        uint32_t cap = (uint32_t)(GRID_W / (cell + 1)) * (uint32_t)(GRID_H / (cell + 1));
        if (cap < n)
            break;
        cell++;
    }
    cell <<= o->zoom;
    if (cell > 24)
        cell = 24;
    o->cell = cell;
    o->grid_x = GRID_X;
    o->grid_y = GRID_Y;
    o->grid_cols = GRID_W / cell;
    o->grid_rows = GRID_H / cell;
    uint32_t cap = (uint32_t)o->grid_cols * (uint32_t)o->grid_rows;
    o->frames_per_cell = o->zoom == 0 && cap < n ? (n + cap - 1) / cap : 1;
    if (o->zoom == 0 || o->scroll >= n)
        o->scroll = 0;
    o->first_frame = o->scroll;
}

int64_t overlay_frame_at(const struct overlay *o, int x, int y)
{
    if (!o->cell || x < o->grid_x || y < o->grid_y)
        return -1;
    int cx = (x - o->grid_x) / o->cell, cy = (y - o->grid_y) / o->cell;
    if (cx >= o->grid_cols || cy >= o->grid_rows)
        return -1;
    uint64_t f = o->first_frame + ((uint64_t)cy * (uint64_t)o->grid_cols + (uint64_t)cx) * o->frames_per_cell;
    return f < (o->shown_frames ? o->shown_frames : o->nframes) ? (int64_t)f : -1;
}

bool overlay_frame_pos(const struct overlay *o, uint32_t frame, int *x, int *y)
{
    if (!o->cell || frame < o->first_frame)
        return false;
    uint32_t idx = (frame - o->first_frame) / o->frames_per_cell;
    if (idx >= (uint32_t)o->grid_cols * (uint32_t)o->grid_rows)
        return false;
    *x = o->grid_x + (int)(idx % (uint32_t)o->grid_cols) * o->cell;
    *y = o->grid_y + (int)(idx / (uint32_t)o->grid_cols) * o->cell;
    return true;
}

static void draw_pagemap(struct overlay *o)
{
    bool have = false;
    uint32_t np = 0;
    if (guest_refresh(&o->guest)) {
        np = o->guest.l.npages < o->nframes ? o->guest.l.npages : o->nframes;
        have = guest_read_counts(&o->guest, o->counts, np) == np && np > 0;
        if (have) {
            guest_count_refs(&o->guest, o->refs, o->is_table, np);
            for (uint32_t i = 0; i < np; i++) {
                if (o->have_prev && o->prev[i] != o->counts[i])
                    o->flash[i] = 8; /* frames to fade over */
                else if (o->flash[i])
                    o->flash[i]--;
                o->prev[i] = o->counts[i];
            }
            o->have_prev = true;
        }
    }
    /* The grid covers what the guest's map tracks (a 0.11 kernel manages at most 16 MiB
     * however much RAM there is); the rest is summed up in the title. */
    uint32_t tracked = have ? (o->guest.l.low_mem >> 12) + np : o->nframes;
    o->shown_frames = tracked < o->nframes ? tracked : o->nframes;
    layout_grid(o);
    if (have && o->shown_frames < o->nframes)
        text(o, GRID_X, 2, 78, HEAD, "physical pages: %u of %u frames (mem_map tracks %u MiB; %u MiB beyond)",
             o->shown_frames, o->nframes, o->shown_frames >> 8, (o->nframes - o->shown_frames) >> 8);
    else if (have)
        text(o, GRID_X, 2, 78, HEAD, "physical pages: %u frames, mem_map from %08x (%s)", o->nframes,
             o->guest.l.low_mem, o->guest.l.map_elem == 2 ? "16-bit counts" : "byte counts");
    else
        text(o, GRID_X, 2, 78, HEAD, "physical pages: %u frames (%s)", o->nframes,
             o->guest.why[0] ? o->guest.why : "no guest map");
    fill(o, GRID_X, GRID_Y, GRID_W, GRID_H, BG);
    int gap = o->cell >= 4 ? 1 : 0;
    for (int cy = 0; cy < o->grid_rows; cy++)
        for (int cx = 0; cx < o->grid_cols; cx++) {
            uint64_t f0 = o->first_frame + ((uint64_t)cy * (uint64_t)o->grid_cols + (uint64_t)cx) * o->frames_per_cell;
            if (f0 >= o->shown_frames)
                continue;
            /* a cell covering several frames shows the busiest of them */
            uint32_t colour = frame_colour(o, (uint32_t)f0, have);
            int flash = 0;
            for (uint32_t k = 0; k < o->frames_per_cell && f0 + k < o->shown_frames; k++) {
                uint32_t f = (uint32_t)(f0 + k), c = frame_colour(o, f, have);
                if (c == OV_SHARED3 || (c == OV_SHARED2 && colour != OV_SHARED3) ||
                    (c == OV_ONE && (colour == OV_FREE || colour == OV_UNTRACKED)))
                    colour = c;
                uint32_t a = f << 12;
                if (have && a >= o->guest.l.low_mem && ((a - o->guest.l.low_mem) >> 12) < np) {
                    int fl = o->flash[(a - o->guest.l.low_mem) >> 12];
                    if (fl > flash)
                        flash = fl;
                }
            }
            if (flash)
                colour = blend(colour, 0xFFFFFF, flash * 24);
            fill(o, GRID_X + cx * o->cell, GRID_Y + cy * o->cell, o->cell - gap, o->cell - gap, colour);
        }
    /* legend */
    static const struct { uint32_t c; const char *name; } legend[] = {
        {OV_FREE, "free"}, {OV_ONE, "1"}, {OV_SHARED2, "2"}, {OV_SHARED3, "3+"},
        {OV_PAGETABLE, "page table"}, {OV_RESERVED, "kernel/reserved"}, {OV_LOWMEM, "below 1M"},
    };
    int x = GRID_X;
    for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
        fill(o, x, GRID_Y + GRID_H + 6, 10, 10, legend[i].c);
        text(o, x + 14, GRID_Y + GRID_H + 3, 16, DIM, "%s", legend[i].name);
        x += 14 + 8 * (int)strlen(legend[i].name) + 10;
    }
}

static void draw_faults(struct overlay *o, int y)
{
    text(o, 0, y, 80, HEAD, "last page faults");
    y += 18;
    if (!o->nfaults) {
        text(o, 0, y, 80, DIM, "(none yet)");
        return;
    }
    for (int k = 1; k <= o->nfaults && y < OVERLAY_H - 32; k++) {
        const struct fault_record *r = &o->faults[(o->fault_head + OVERLAY_FAULTS - k) % OVERLAY_FAULTS];
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
            return;
        fault_explain(r, f);
        fclose(f);
        /* each line of the explanation wrapped to the panel's 80 columns */
        int lines = 0;
        for (char *line = strtok(buf, "\n"); line && lines < 5; line = strtok(NULL, "\n")) {
            while (*line == ' ')
                line++;
            size_t len = strlen(line);
            for (size_t off = 0; off < len && lines < 5 && y < OVERLAY_H - 16; off += lines ? 78 : 80) {
                int w = lines ? 78 : 80;
                text(o, lines ? 16 : 0, y, w, k == 1 ? FG : DIM, "%.*s", w, line + off);
                y += 16;
                lines++;
            }
        }
        free(buf);
        y += 4;
    }
}

static void draw_tables(struct overlay *o, int y)
{
    struct cpu *c = &o->pc->cpu;
    struct phys *ph = &o->pc->phys;
    uint32_t pd = c->cr3 & 0xFFFFF000u;
    text(o, GRID_X, y, 78, HEAD, "page directory %08x%s", pd, (c->cr0 & CR0_PG) ? "" : "  (paging off)");
    y += 16;
    /* the current task's slot: its LDT code base, or the slot of the last fault */
    int sel = o->sel_pde;
    if (sel < 0 && o->nfaults) {
        const struct fault_record *r = &o->faults[(o->fault_head + OVERLAY_FAULTS - 1) % OVERLAY_FAULTS];
        sel = (int)(r->lin >> 22);
    }
    if (sel < 0)
        sel = (int)(c->seg[SEG_CS].base >> 22);
    int shown = 0;
    char line[96];
    int first = sel & ~15, lines = 0;
    for (int i = first; i < first + 16 && lines < 3; i++) {
        uint32_t e = phys_read(ph, pd + 4 * (uint32_t)i, 4);
        if (!(e & 1))
            continue;
        char bits[64];
        pte_bits_str(e, bits, sizeof bits);
        text(o, GRID_X, y, 78, i == sel ? FG : DIM, "%sPDE %4d %08x table %08x %s", i == sel ? ">" : " ", i,
             (uint32_t)i << 22, e & 0xFFFFF000u, bits);
        y += 16;
        lines++;
        shown++;
    }
    if (!shown) {
        text(o, GRID_X, y, 78, DIM, " no present entries in slot %d", first / 16);
        y += 16;
    }
    uint32_t pde = phys_read(ph, pd + 4 * (uint32_t)sel, 4);
    if (pde & 1) {
        int col = 0;
        line[0] = 0;
        int rows = 0;
        for (int j = 0; j < 1024 && rows < 4; j++) {
            uint32_t e = phys_read(ph, (pde & 0xFFFFF000u) + 4 * (uint32_t)j, 4);
            if (!(e & 1))
                continue;
            char cell[32];
            snprintf(cell, sizeof cell, "%03x:%05x %c%c%c%c ", j, e >> 12, (e & 2) ? 'W' : 'r', (e & 4) ? 'U' : 's',
                     (e & 0x20) ? 'A' : '-', (e & 0x40) ? 'D' : '-');
            strcat(line, cell);
            if (++col == 4) {
                text(o, GRID_X, y, 78, FG, " %s", line);
                y += 16;
                rows++;
                col = 0;
                line[0] = 0;
            }
        }
        if (col && rows < 4) {
            text(o, GRID_X, y, 78, FG, " %s", line);
            y += 16;
        }
    }
    y += 4;
    struct mmu *m = c->mmu;
    const struct mmu_tlb_stats st = mmu_stats(m), *s = &st;
    double rate = s->lookups ? 100.0 * (double)s->hits / (double)s->lookups : 0.0;
    unsigned long long flushes = 0;
    for (int i = 0; i < PW_FLUSH_NCAUSES; i++)
        flushes += s->flushes[i];
    text(o, GRID_X, y, 78, HEAD, "TLB %s: hit rate %.1f%%, %llu walks, %llu flushes, %llu stale uses",
         m->cfg.mode == TLB_OFF ? "off" : m->cfg.mode == TLB_IDEAL ? "ideal" : "set-assoc", rate,
         (unsigned long long)s->walks, flushes, (unsigned long long)s->stale_uses);
    y += 16;
    int col = 0, row = 0;
    for (unsigned i = 0; i < m->tlb_n && y + row * 16 < OVERLAY_H - 16; i++) {
        const struct mmu_tlb_entry *e = &m->tlb[i];
        if (!e->valid)
            continue;
        uint32_t phys, pde2, pte2;
        bool ok = mmu_probe(m, e->lin, PW_ACC_READ, false, &phys, &pde2, &pte2);
        bool stale = !ok || (phys & 0xFFFFF000u) != mmu_tlb_entry_phys(e) ||
                     ((pde2 & pte2) & (PTE_RW | PTE_US)) != (e->pte & (PTE_RW | PTE_US));
        text(o, GRID_X + col * 157, y + row * 16, 19, stale ? WARN : FG, "%05x>%05x %c%c%s", e->lin >> 12,
             mmu_tlb_entry_phys(e) >> 12, (e->pte & 2) ? 'W' : 'r', (e->pte & 4) ? 'U' : 's', stale ? "!" : "");
        if (++col == 4) {
            col = 0;
            row++;
        }
    }
}

void overlay_render(struct overlay *o)
{
    for (size_t i = 0; i < (size_t)OVERLAY_W * OVERLAY_H; i++)
        o->fb[i] = BG;
    draw_console(o);
    struct cpu *c = &o->pc->cpu;
    text(o, 0, 404, 80, o->paused ? WARN : HEAD, "%s  icount %llu  EIP %04x:%08x  CR3 %08x  CPL %u",
         o->status[0] ? o->status : (o->paused ? "paused" : "running"), (unsigned long long)c->icount,
         c->seg[SEG_CS].sel, c->eip, c->cr3, c->cpl);
    text(o, 0, 422, 80, DIM, "keys: F5 pause/run F6 step F7 next fault F8/F9 zoom F11 monitor F12 snapshot");
    draw_faults(o, 446);
    draw_pagemap(o);
    draw_tables(o, 416);
    /* hover: who maps the page under the mouse */
    int64_t f = overlay_frame_at(o, o->mouse_x, o->mouse_y);
    if (f >= 0) {
        uint32_t lin[4];
        int slot[4];
        int n = guest_who_maps(&o->guest, (uint32_t)f << 12, lin, slot, 4);
        char who[160] = "";
        for (int i = 0; i < n; i++) {
            char one[40];
            snprintf(one, sizeof one, "%stask %d at %08x", i ? ", " : "", slot[i], lin[i]);
            strncat(who, one, sizeof who - strlen(who) - 1);
        }
        text(o, GRID_X, GRID_Y + GRID_H + 3, 78, FG, "frame %08x: %s", (uint32_t)f << 12,
             n ? who : "not mapped by any task");
    }
}

int overlay_snapshot(struct overlay *o, const char *path)
{
    overlay_render(o);
    return png_write_rgb(path, o->fb, OVERLAY_W, OVERLAY_H);
}
