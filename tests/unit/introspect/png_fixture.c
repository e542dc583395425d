/* Writes a PNG with a known pattern for check_png.py to decode independently. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "emu/png.h"

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    /* 300x250: more than 65535 bytes of image data, so several stored blocks. */
    const int w = 300, h = 250;
    uint32_t *px = malloc(sizeof *px * (size_t)w * (size_t)h);
    if (!px)
        return 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            px[y * w + x] = ((uint32_t)(x & 0xFF) << 16) | ((uint32_t)(y & 0xFF) << 8) | (uint32_t)((x ^ y) & 0xFF);
    int r = png_write_rgb(argv[1], px, w, h);
    free(px);
    return r == 0 ? 0 : 1;
}
