#include "emu/font.h"

#include <string.h>

#include "emu/font_data.h" /* generated: pw_font_psf[], pw_font_psf_len */

/* IBM code page 437, the VGA's character set: 0x00-0x1F and 0x7F are graphic characters on
 * the screen, not controls. */
static const uint16_t cp437[256] = {
    0x0020, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25D8, 0x25CB, 0x25D9, 0x2642,
    0x2640, 0x266A, 0x266B, 0x263C, 0x25BA, 0x25C4, 0x2195, 0x203C, 0x00B6, 0x00A7, 0x25AC, 0x21A8,
    0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC,
    /* 0x20-0x7E: ASCII, filled in by font_cp437_to_unicode */
    [0x7F] = 0x2302,
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF,
    0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557,
    0x255D, 0x255C, 0x255B, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559,
    0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4,
    0x221E, 0x03C6, 0x03B5, 0x2229, 0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
};

uint32_t font_cp437_to_unicode(uint8_t c)
{
    if (c >= 0x20 && c < 0x7F)
        return c;
    return cp437[c];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Decodes one UTF-8 sequence at p (bounded by end); returns the code point, advances *pp. */
static uint32_t utf8_next(const uint8_t **pp, const uint8_t *end)
{
    const uint8_t *p = *pp;
    uint32_t c = *p++;
    int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (more)
        c &= 0x3Fu >> more;
    while (more-- > 0 && p < end)
        c = (c << 6) | (*p++ & 0x3Fu);
    *pp = p;
    return c;
}

static void assign(struct font *f, uint32_t uc, const uint8_t *bitmap, uint8_t *have)
{
    for (int c = 0; c < 256; c++) {
        if (!have[c] && font_cp437_to_unicode((uint8_t)c) == uc) {
            memcpy(f->glyph[c], bitmap, FONT_H);
            have[c] = 1;
        }
    }
}

int font_load_psf(struct font *f, const uint8_t *d, uint32_t len)
{
    uint8_t have[256] = {0};
    memset(f, 0, sizeof *f);
    uint32_t nglyphs, gsize, hdr, height, width;
    int unicode;
    if (len >= 4 && d[0] == 0x36 && d[1] == 0x04) { /* PSF1: magic, mode, charsize */
        nglyphs = (d[2] & 1) ? 512 : 256;
        unicode = (d[2] & 2) != 0;
        gsize = height = d[3];
        width = 8;
        hdr = 4;
    } else if (len >= 32 && le32(d) == 0x864AB572u) { /* PSF2 */
        hdr = le32(d + 8);
        unicode = le32(d + 12) & 1;
        nglyphs = le32(d + 16);
        gsize = le32(d + 20);
        height = le32(d + 24);
        width = le32(d + 28);
    } else {
        return -1;
    }
    if (width != FONT_W || height != FONT_H || gsize != FONT_H || (uint64_t)hdr + (uint64_t)nglyphs * gsize > len)
        return -1;
    const uint8_t *glyphs = d + hdr;
    if (!unicode) { /* no table: assume the glyphs are in CP437 order */
        for (int c = 0; c < 256 && (uint32_t)c < nglyphs; c++)
            memcpy(f->glyph[c], glyphs + (size_t)c * gsize, FONT_H);
        return 0;
    }
    /* Two passes: a glyph's first code point is what it was drawn for; later ones are
     * approximations (Unifont also lists U+2588 on its black square). */
    const uint8_t *table = glyphs + (size_t)nglyphs * gsize, *end = d + len;
    int psf2 = d[0] != 0x36;
    for (int pass = 0; pass < 2; pass++) {
        const uint8_t *p = table;
        for (uint32_t g = 0; g < nglyphs && p < end; g++) {
            int in_seq = 0, first = 1; /* sequences (after the separator) are skipped */
            while (p < end) {
                uint32_t uc;
                if (psf2) {
                    if (*p == 0xFF) { p++; break; }
                    if (*p == 0xFE) { p++; in_seq = 1; continue; }
                    uc = utf8_next(&p, end);
                } else {
                    if (p + 2 > end) { p = end; break; }
                    uc = (uint32_t)p[0] | (uint32_t)p[1] << 8;
                    p += 2;
                    if (uc == 0xFFFF) break;
                    if (uc == 0xFFFE) { in_seq = 1; continue; }
                }
                if (!in_seq && (pass == 1 || first))
                    assign(f, uc, glyphs + (size_t)g * gsize, have);
                first = 0;
            }
        }
    }
    return 0;
}

/* Block elements are geometry, not typography; some PSF fonts merge them with other shapes
 * (Unifont's 512-glyph PSF shares one glyph between U+25A0 and U+2588), so draw them. */
static void draw_blocks(struct font *f)
{
    for (int r = 0; r < FONT_H; r++) {
        f->glyph[0xDB][r] = 0xFF;                     /* full block  */
        f->glyph[0xDC][r] = r >= FONT_H / 2 ? 0xFF : 0; /* lower half  */
        f->glyph[0xDD][r] = 0xF0;                     /* left half   */
        f->glyph[0xDE][r] = 0x0F;                     /* right half  */
        f->glyph[0xDF][r] = r < FONT_H / 2 ? 0xFF : 0;  /* upper half  */
    }
}

const struct font *font_default(void)
{
    static struct font f;
    static int loaded;
    if (!loaded) {
        font_load_psf(&f, pw_font_psf, pw_font_psf_len);
        draw_blocks(&f);
        loaded = 1;
    }
    return &f;
}
