#include <string.h>

#include "emu/font.h"
#include "test.h"

static int row_bits(const struct font *f, int c)
{
    int n = 0;
    for (int r = 0; r < FONT_H; r++)
        n += __builtin_popcount(f->glyph[c][r]);
    return n;
}

int main(void)
{
    const struct font *f = font_default();
    CHECK_EQ(row_bits(f, ' '), 0);
    CHECK(row_bits(f, 'A') > 10);
    CHECK(memcmp(f->glyph['A'], f->glyph['B'], FONT_H) != 0);
    /* 0xDB full block: every pixel set */
    CHECK_EQ(row_bits(f, 0xDB), FONT_W * FONT_H);
    /* 0xDF upper half block: exactly the top 8 rows */
    CHECK_EQ(row_bits(f, 0xDF), FONT_W * FONT_H / 2);
    CHECK_EQ(f->glyph[0xDF][0], 0xFF);
    CHECK_EQ(f->glyph[0xDF][15], 0x00);
    /* 0xC4 box-drawing horizontal: one full row, nothing else */
    int full = 0;
    for (int r = 0; r < FONT_H; r++)
        full += f->glyph[0xC4][r] == 0xFF;
    CHECK(full >= 1 && row_bits(f, 0xC4) == 8 * full);
    /* mapping facts */
    CHECK_EQ(font_cp437_to_unicode(0x01), 0x263A);
    CHECK_EQ(font_cp437_to_unicode('a'), 'a');
    CHECK_EQ(font_cp437_to_unicode(0xFE), 0x25A0);
    /* not a font */
    struct font g;
    static const uint8_t junk[64] = {1, 2, 3};
    CHECK(font_load_psf(&g, junk, sizeof junk) == -1);
    return test_summary("test_font");
}
