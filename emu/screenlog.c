/* Headless VGA console (see screenlog.h). */
#include "emu/screenlog.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_NS 500000000ull   /* 0.5 s: a guest that uses COM1 has said so by then */
#define EVERY_NS 20000000ull    /* 20 ms */

void screenlog_init(struct screenlog *s, FILE *out)
{
    memset(s, 0, sizeof *s);
    s->active = out != NULL;
    s->out = out;
    s->next_ns = 0;
}

void screenlog_free(struct screenlog *s)
{
    free(s->held);
    s->held = NULL;
    s->held_len = s->held_cap = 0;
}

static void release_held(struct screenlog *s)
{
    if (s->held_len) {
        fwrite(s->held, 1, s->held_len, s->out);
        fflush(s->out);
    }
    screenlog_free(s);
}

/* The visible rows as text (start address honoured), trailing blanks removed. */
static void snapshot(const struct vga *v, char rows[VGA_ROWS][VGA_COLS + 1], int *cursor_row)
{
    struct vga_screen scr;
    vga_get_screen(v, &scr);
    for (int r = 0; r < VGA_ROWS; r++) {
        int len = 0;
        for (int c = 0; c < VGA_COLS; c++) {
            uint8_t ch = scr.cell[r][c].ch;
            rows[r][c] = (ch >= 0x20 && ch < 0x7F) ? (char)ch : ' ';
            if (rows[r][c] != ' ')
                len = c + 1;
        }
        rows[r][len] = '\0';
    }
    *cursor_row = scr.cursor_row;
    if (*cursor_row < 0)
        *cursor_row = 0;
    if (*cursor_row > VGA_ROWS)
        *cursor_row = VGA_ROWS;
}

/* How far the screen scrolled since the last sample: the smallest d for which every row
 * already printed, moved up by d, is still there. d = done always fits (all of it gone:
 * cleared or scrolled away). */
static int scrolled_by(const struct screenlog *s, char cur[VGA_ROWS][VGA_COLS + 1])
{
    for (int d = 0; d < s->done; d++) {
        bool same = true;
        for (int i = 0; i + d < s->done && same; i++)
            same = strcmp(cur[i], s->prev[i + d]) == 0;
        if (same)
            return d;
    }
    return s->done;
}

static void print_rows(struct screenlog *s, char cur[VGA_ROWS][VGA_COLS + 1], int from, int to,
                       bool hold)
{
    for (int r = from; r < to; r++) {
        if (!hold) {
            fprintf(s->out, "%s\n", cur[r]);
            continue;
        }
        size_t n = strlen(cur[r]) + 1;
        if (s->held_len + n > s->held_cap) {
            size_t cap = s->held_cap ? s->held_cap * 2 : 4096;
            char *p = realloc(s->held, cap);
            if (!p)
                return;
            s->held = p;
            s->held_cap = cap;
        }
        memcpy(s->held + s->held_len, cur[r], n - 1);
        s->held[s->held_len + n - 1] = '\n';
        s->held_len += n;
    }
    if (to > from && !hold)
        fflush(s->out);
}

void screenlog_poll(struct screenlog *s, const struct vga *v, uint64_t now_ns, bool com1_used,
                    bool force)
{
    if (!s->active)
        return;
    if (com1_used) {
        s->active = false;
        screenlog_free(s);
        return;
    }
    if (now_ns < s->next_ns && !force)
        return;
    s->next_ns = now_ns + EVERY_NS;
    bool hold = now_ns < FIRST_NS;
    if (!hold)
        release_held(s);
    char cur[VGA_ROWS][VGA_COLS + 1];
    int crow;
    snapshot(v, cur, &crow);
    int d = scrolled_by(s, cur);
    int done = s->done - d;
    if (crow > done)
        print_rows(s, cur, done, crow, hold);
    s->done = crow > done ? crow : done;
    memcpy(s->prev, cur, sizeof cur);
}

void screenlog_finish(struct screenlog *s, const struct vga *v, bool com1_used)
{
    if (!s->active || com1_used) {
        screenlog_free(s);
        return;
    }
    release_held(s);
    char cur[VGA_ROWS][VGA_COLS + 1];
    int crow;
    snapshot(v, cur, &crow);
    int d = scrolled_by(s, cur);
    int done = s->done - d;
    int last = VGA_ROWS;
    while (last > done && cur[last - 1][0] == '\0')
        last--;
    print_rows(s, cur, done, last, false);
    s->active = false;
}
