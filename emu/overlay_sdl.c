#include "emu/overlay_sdl.h"

#include <SDL2/SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/pc.h"
#include "emu/png.h"

uint8_t overlay_set1_code(int sc, bool *ext)
{
    *ext = false;
    /* Scancode set 1 as the 8042 delivers it with translation on (IBM PC AT technical
     * reference, keyboard scan codes). */
    static const uint8_t letters[26] = {0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17, 0x24, 0x25, 0x26, 0x32,
                                        0x31, 0x18, 0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11, 0x2D, 0x15, 0x2C};
    if (sc >= SDL_SCANCODE_A && sc <= SDL_SCANCODE_Z)
        return letters[sc - SDL_SCANCODE_A];
    if (sc >= SDL_SCANCODE_1 && sc <= SDL_SCANCODE_0)
        return (uint8_t)(0x02 + (sc - SDL_SCANCODE_1));
    if (sc >= SDL_SCANCODE_F1 && sc <= SDL_SCANCODE_F10)
        return (uint8_t)(0x3B + (sc - SDL_SCANCODE_F1));
    switch (sc) {
    case SDL_SCANCODE_RETURN: return 0x1C;
    case SDL_SCANCODE_ESCAPE: return 0x01;
    case SDL_SCANCODE_BACKSPACE: return 0x0E;
    case SDL_SCANCODE_TAB: return 0x0F;
    case SDL_SCANCODE_SPACE: return 0x39;
    case SDL_SCANCODE_MINUS: return 0x0C;
    case SDL_SCANCODE_EQUALS: return 0x0D;
    case SDL_SCANCODE_LEFTBRACKET: return 0x1A;
    case SDL_SCANCODE_RIGHTBRACKET: return 0x1B;
    case SDL_SCANCODE_BACKSLASH: return 0x2B;
    case SDL_SCANCODE_SEMICOLON: return 0x27;
    case SDL_SCANCODE_APOSTROPHE: return 0x28;
    case SDL_SCANCODE_GRAVE: return 0x29;
    case SDL_SCANCODE_COMMA: return 0x33;
    case SDL_SCANCODE_PERIOD: return 0x34;
    case SDL_SCANCODE_SLASH: return 0x35;
    case SDL_SCANCODE_CAPSLOCK: return 0x3A;
    case SDL_SCANCODE_LSHIFT: return 0x2A;
    case SDL_SCANCODE_RSHIFT: return 0x36;
    case SDL_SCANCODE_LCTRL: return 0x1D;
    case SDL_SCANCODE_LALT: return 0x38;
    case SDL_SCANCODE_RCTRL: *ext = true; return 0x1D;
    case SDL_SCANCODE_RALT: *ext = true; return 0x38;
    case SDL_SCANCODE_UP: *ext = true; return 0x48;
    case SDL_SCANCODE_DOWN: *ext = true; return 0x50;
    case SDL_SCANCODE_LEFT: *ext = true; return 0x4B;
    case SDL_SCANCODE_RIGHT: *ext = true; return 0x4D;
    case SDL_SCANCODE_HOME: *ext = true; return 0x47;
    case SDL_SCANCODE_END: *ext = true; return 0x4F;
    case SDL_SCANCODE_PAGEUP: *ext = true; return 0x49;
    case SDL_SCANCODE_PAGEDOWN: *ext = true; return 0x51;
    case SDL_SCANCODE_INSERT: *ext = true; return 0x52;
    case SDL_SCANCODE_DELETE: *ext = true; return 0x53;
    default: return 0;
    }
}

int overlay_window_open(struct overlay_window *w, struct overlay *ov, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->ov = ov;
    w->frame_ms = 33;
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        snprintf(err, errlen, "no display for the overlay window (%s)", SDL_GetError());
        return -1;
    }
    SDL_Window *win = SDL_CreateWindow("pagewalk", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, OVERLAY_W,
                                       OVERLAY_H, SDL_WINDOW_RESIZABLE);
    SDL_Renderer *ren = win ? SDL_CreateRenderer(win, -1, 0) : NULL;
    SDL_Texture *tex = ren ? SDL_CreateTexture(ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING, OVERLAY_W,
                                               OVERLAY_H)
                           : NULL;
    if (!tex) {
        snprintf(err, errlen, "cannot open the overlay window (%s)", SDL_GetError());
        if (ren)
            SDL_DestroyRenderer(ren);
        if (win)
            SDL_DestroyWindow(win);
        SDL_Quit();
        return -1;
    }
    SDL_RenderSetLogicalSize(ren, OVERLAY_W, OVERLAY_H);
    w->win = win;
    w->ren = ren;
    w->tex = tex;
    return 0;
}

int overlay_window_capture(struct overlay_window *w, const char *path)
{
    if (!w->win)
        return -1;
    overlay_render(w->ov);
    SDL_UpdateTexture(w->tex, NULL, w->ov->fb, OVERLAY_W * (int)sizeof(uint32_t));
    SDL_RenderClear(w->ren);
    SDL_RenderCopy(w->ren, w->tex, NULL, NULL);
    int ww, wh;
    if (SDL_GetRendererOutputSize(w->ren, &ww, &wh) != 0 || ww <= 0 || wh <= 0)
        return -1;
    uint32_t *px = malloc((size_t)ww * (size_t)wh * sizeof *px);
    if (!px)
        return -1;
    int r = SDL_RenderReadPixels(w->ren, NULL, SDL_PIXELFORMAT_RGB888, px, ww * (int)sizeof *px);
    SDL_RenderPresent(w->ren);
    if (r == 0) {
        for (size_t i = 0; i < (size_t)ww * (size_t)wh; i++)
            px[i] &= 0xFFFFFFu;
        r = png_write_rgb(path, px, ww, wh);
    }
    free(px);
    return r;
}

void overlay_window_close(struct overlay_window *w)
{
    if (!w->win)
        return;
    SDL_DestroyTexture(w->tex);
    SDL_DestroyRenderer(w->ren);
    SDL_DestroyWindow(w->win);
    SDL_Quit();
    w->win = NULL;
}

static void send_key(struct overlay_window *w, int sc, bool down)
{
    bool ext;
    uint8_t code = overlay_set1_code(sc, &ext);
    if (!code)
        return;
    struct kbd *k = &w->ov->pc->kbd;
    if (ext)
        kbd_push_scancode(k, 0xE0);
    kbd_push_scancode(k, down ? code : (uint8_t)(code | 0x80));
}

enum overlay_action overlay_window_poll(struct overlay_window *w, bool force)
{
    if (!w->win)
        return OV_NONE;
    uint64_t now = SDL_GetTicks64();
    if (!force && now - w->last_frame_ms < w->frame_ms)
        return OV_NONE;
    enum overlay_action act = OV_NONE;
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_QUIT:
            return OV_QUIT;
        case SDL_MOUSEMOTION: {
            /* window coordinates -> overlay coordinates (the window may be scaled) */
            float lx, ly;
            SDL_RenderWindowToLogical(w->ren, e.motion.x, e.motion.y, &lx, &ly);
            w->ov->mouse_x = (int)lx;
            w->ov->mouse_y = (int)ly;
            break;
        }
        case SDL_KEYDOWN:
        case SDL_KEYUP: {
            int sc = e.key.keysym.scancode;
            bool down = e.type == SDL_KEYDOWN;
            if (sc == SDL_SCANCODE_F5 || sc == SDL_SCANCODE_F6 || sc == SDL_SCANCODE_F7 || sc == SDL_SCANCODE_F8 ||
                sc == SDL_SCANCODE_F9 || sc == SDL_SCANCODE_F11 || sc == SDL_SCANCODE_F12) {
                if (!down)
                    break;
                if (sc == SDL_SCANCODE_F5) act = OV_TOGGLE_PAUSE;
                else if (sc == SDL_SCANCODE_F6) act = OV_STEP;
                else if (sc == SDL_SCANCODE_F7) act = OV_NEXT_FAULT;
                else if (sc == SDL_SCANCODE_F8 && w->ov->zoom > 0) w->ov->zoom--;
                else if (sc == SDL_SCANCODE_F9 && w->ov->zoom < 4) w->ov->zoom++;
                else if (sc == SDL_SCANCODE_F11) act = OV_MONITOR;
                else if (sc == SDL_SCANCODE_F12) {
                    char path[300];
                    snprintf(path, sizeof path, "pagewalk-%03d.png", ++w->snapshots);
                    if (overlay_snapshot(w->ov, path) == 0)
                        fprintf(stderr, "pagewalk: snapshot written to %s\n", path);
                }
                break;
            }
            if (!e.key.repeat || down)
                send_key(w, sc, down);
            break;
        }
        default:
            break;
        }
    }
    overlay_render(w->ov);
    SDL_UpdateTexture(w->tex, NULL, w->ov->fb, OVERLAY_W * (int)sizeof(uint32_t));
    SDL_RenderClear(w->ren);
    SDL_RenderCopy(w->ren, w->tex, NULL, NULL);
    SDL_RenderPresent(w->ren);
    w->last_frame_ms = now;
    return act;
}
