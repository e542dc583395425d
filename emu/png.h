/* A small PNG writer (RGB, 8 bits per channel, deflate "stored" blocks): enough for
 * snapshots without a libpng dependency. PNG spec (ISO/IEC 15948) sections 5, 11, 12. */
#ifndef PW_EMU_PNG_H
#define PW_EMU_PNG_H

#include <stdint.h>

/* pixels: width*height 0x00RRGGBB values, row-major. Returns 0, or -1 when the file cannot be
 * written. */
int png_write_rgb(const char *path, const uint32_t *pixels, int width, int height);

#endif
