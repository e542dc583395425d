/* The headless console copy: rows are printed once each, in order, across scrolling, a
 * cleared screen and the end of the run; nothing is printed once COM1 is in use, and what
 * was held back before 0.5 s is dropped then. */
#include <stdlib.h>
#include <string.h>

#include "emu/screenlog.h"
#include "test.h"

/* A tiny text terminal on top of the VGA model: the guest's side of the test. */
struct term {
    struct vga v;
    int row, col;
};

static void set_cursor(struct term *t)
{
    uint16_t cell = (uint16_t)(t->row * VGA_COLS + t->col);
    t->v.crtc[0x0E] = (uint8_t)(cell >> 8);
    t->v.crtc[0x0F] = (uint8_t)cell;
}

static void put_line(struct term *t, const char *s)
{
    uint8_t *text = t->v.mem + VGA_TEXT_OFFSET;
    if (t->row == VGA_ROWS) {   /* scroll up one row */
        memmove(text, text + VGA_COLS * 2, (VGA_ROWS - 1) * VGA_COLS * 2);
        for (int c = 0; c < VGA_COLS; c++) {
            text[((VGA_ROWS - 1) * VGA_COLS + c) * 2] = ' ';
            text[((VGA_ROWS - 1) * VGA_COLS + c) * 2 + 1] = 7;
        }
        t->row--;
    }
    for (int c = 0; s[c]; c++)
        text[(t->row * VGA_COLS + c) * 2] = (uint8_t)s[c];
    t->row++;
    set_cursor(t);
}

static void clear(struct term *t)
{
    uint8_t *text = t->v.mem + VGA_TEXT_OFFSET;
    for (int i = 0; i < VGA_ROWS * VGA_COLS; i++) {
        text[i * 2] = ' ';
        text[i * 2 + 1] = 7;
    }
    t->row = t->col = 0;
    set_cursor(t);
}

static char *run(int lines, int per_sample, int clear_at, int com1_at, uint64_t start_ns)
{
    static struct term t;
    vga_init(&t.v, (struct vclock){0});
    vga_reset(&t.v);
    clear(&t);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct screenlog s;
    screenlog_init(&s, out);
    uint64_t now = start_ns;
    bool com1 = false;
    for (int i = 1; i <= lines; i++) {
        if (i == clear_at) {
            /* As the BIOS does before it scrolls or blanks the screen: a forced sample. */
            screenlog_poll(&s, &t.v, now, com1, true);
            clear(&t);
        }
        if (i == com1_at)
            com1 = true;
        char line[32];
        snprintf(line, sizeof line, "line %d", i);
        put_line(&t, line);
        if (i % per_sample == 0) {
            now += 20000000;
            screenlog_poll(&s, &t.v, now, com1, false);
        }
    }
    screenlog_finish(&s, &t.v, com1);
    screenlog_free(&s);
    fclose(out);
    return buf;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static bool in_order(const char *out, int from, int to)
{
    const char *p = out;
    for (int i = from; i <= to; i++) {
        char want[40];
        snprintf(want, sizeof want, "line %d\n", i);
        const char *q = strstr(p, want);
        if (!q || (q != out && q[-1] != '\n'))
            return false;
        p = q + strlen(want);
    }
    return true;
}

int main(void)
{
    /* 100 lines, sampled every 10: all of them, once each, in order. */
    char *out = run(100, 10, 0, 0, 0);
    CHECK(in_order(out, 1, 100));
    CHECK_EQ(count_lines(out), 100);
    free(out);
    /* Sampled every 24 lines (just under a screenful). */
    out = run(100, 24, 0, 0, 0);
    CHECK(in_order(out, 1, 100));
    CHECK_EQ(count_lines(out), 100);
    free(out);
    /* A clear screen in the middle (announced, as the BIOS does): the new rows follow. */
    out = run(60, 7, 30, 0, 0);
    CHECK(in_order(out, 1, 60));
    CHECK_EQ(count_lines(out), 60);
    free(out);
    /* COM1 in use early (while rows are still held back): nothing at all. */
    out = run(40, 5, 0, 12, 0);
    CHECK_EQ(strlen(out), 0);
    free(out);
    /* COM1 in use later: what was printed stays, nothing after. */
    out = run(60, 5, 0, 50, 600000000);
    CHECK(in_order(out, 1, 45));
    CHECK(strstr(out, "line 50\n") == NULL);
    free(out);
    return test_summary("test_emu_screenlog");
}
