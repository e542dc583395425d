/* The 8x16 console font for the overlay: glyphs for the VGA's code page 437, taken from a
 * PSF console font that a Debian package provides (psf-unifont), embedded at build time. */
#ifndef PW_EMU_FONT_H
#define PW_EMU_FONT_H

#include <stdint.h>

#define FONT_W 8
#define FONT_H 16

struct font {
    uint8_t glyph[256][FONT_H]; /* by CP437 code: one byte per row, MSB = leftmost pixel */
};

/* Parses a PSF1 or PSF2 font (8 pixels wide, 16 high) and maps CP437 through its Unicode
 * table. Returns 0, or -1 when the data is not such a font. */
int font_load_psf(struct font *f, const uint8_t *data, uint32_t len);
/* The embedded font (never fails: the build refuses to go on without it). */
const struct font *font_default(void);
/* CP437 code -> Unicode code point. */
uint32_t font_cp437_to_unicode(uint8_t c);

#endif
