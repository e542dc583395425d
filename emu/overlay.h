/* The overlay: what users come to see, drawn in software into a pixel buffer, so the same
 * picture goes to the SDL2 window, to --snapshot PNG files and to pixel-checking tests.
 *
 *   +---------------------------------+---------------------------------+
 *   | VGA console 80x25 (640x400)     | physical pages, coloured by     |
 *   |                                 | mem_map count; changes flash     |
 *   +---------------------------------+---------------------------------+
 *   | run state, instruction count    | page directory of the current    |
 *   | last page faults, explained     | task, one page table's entries   |
 *   |                                 | TLB entries (stale marked), stats|
 *   +---------------------------------+---------------------------------+
 *
 * Rendering reads the machine (never per instruction: at a frame rate the caller picks). */
#ifndef PW_EMU_OVERLAY_H
#define PW_EMU_OVERLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/fault_explain.h"
#include "emu/guest.h"

struct pc;

#define OVERLAY_W 1280
#define OVERLAY_H 800
#define OVERLAY_FAULTS 6

/* Colours of the page map (0xRRGGBB): tests check pixels against these. */
#define OV_FREE 0x303030u
#define OV_ONE 0x3CB44Bu
#define OV_SHARED2 0xFFB000u
#define OV_SHARED3 0xFF5A00u
#define OV_RESERVED 0x4A6FB5u
#define OV_LOWMEM 0x263A66u
#define OV_PAGETABLE 0xB45AE6u
#define OV_UNTRACKED 0x181818u

struct overlay {
    struct pc *pc;
    struct guest guest;
    uint32_t *fb; /* OVERLAY_W x OVERLAY_H, 0xRRGGBB */
    uint32_t nframes;
    uint16_t *counts, *prev;
    uint8_t *is_table, *flash;
    uint16_t *refs;
    bool have_prev;
    int zoom;          /* 0 = fit all memory; each step doubles the cell size */
    uint32_t scroll;   /* first frame shown when zoomed */
    int sel_pde;       /* page table shown: -1 = follow the last fault / current task */
    int mouse_x, mouse_y;
    bool paused;
    char status[128];  /* set by the caller: run state */
    struct fault_record faults[OVERLAY_FAULTS];
    int nfaults, fault_head;
    /* page-map geometry of the last frame (for mouse lookups) */
    int grid_x, grid_y, grid_cols, grid_rows, cell;
    uint32_t frames_per_cell, first_frame;
    uint32_t shown_frames;  /* frames the grid covers: what the guest's map tracks, or all RAM */
};

int overlay_init(struct overlay *o, struct pc *pc, const struct symtab *syms);
void overlay_free(struct overlay *o);
/* Draws the current state into o->fb. */
void overlay_render(struct overlay *o);
/* Renders and writes a PNG. Returns 0, or -1 when the file cannot be written. */
int overlay_snapshot(struct overlay *o, const char *path);
/* The physical frame under a pixel of the page map, or -1. */
int64_t overlay_frame_at(const struct overlay *o, int x, int y);
/* Pixel position of a frame's cell in the page map (its top-left), false if not shown. */
bool overlay_frame_pos(const struct overlay *o, uint32_t frame, int *x, int *y);

#endif
