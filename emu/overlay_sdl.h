/* The overlay's SDL2 window: shows overlay_render()'s picture at a fixed frame rate, sends
 * keys to the guest's keyboard controller as set-1 scancodes, and turns the overlay's own
 * keys into actions for the run loop. */
#ifndef PW_EMU_OVERLAY_SDL_H
#define PW_EMU_OVERLAY_SDL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/overlay.h"

enum overlay_action {
    OV_NONE = 0,
    OV_QUIT,        /* window closed */
    OV_TOGGLE_PAUSE,
    OV_STEP,
    OV_NEXT_FAULT,
    OV_MONITOR,     /* enter the terminal monitor */
};

struct overlay_window {
    void *win, *ren, *tex; /* SDL objects (kept opaque so SDL stays inside emu/) */
    struct overlay *ov;
    uint64_t last_frame_ms;
    unsigned frame_ms;     /* 33: ~30 frames per second */
    char snapshot_dir[256];
    int snapshots;
};

/* Opens the window. Returns 0, or -1 with a one-line reason (no display, ...). */
int overlay_window_open(struct overlay_window *w, struct overlay *ov, char *err, size_t errlen);
void overlay_window_close(struct overlay_window *w);
/* Handles input and, when a frame is due (or force), renders. Cheap when nothing is due:
 * call it every few thousand guest instructions. Returns the action asked for. */
enum overlay_action overlay_window_poll(struct overlay_window *w, bool force);
/* Draws a frame and reads the window's pixels back into a PNG: a real screenshot of the
 * window. Returns 0, or -1. */
int overlay_window_capture(struct overlay_window *w, const char *path);
/* Set-1 make code for an SDL scancode (0 if none); *extended says an 0xE0 prefix is needed. */
uint8_t overlay_set1_code(int sdl_scancode, bool *extended);

#endif
