#include "emu/png.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return crc;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
    uint8_t hdr[8];
    put32(hdr, len);
    memcpy(hdr + 4, type, 4);
    uint32_t crc = crc_update(0xFFFFFFFFu, hdr + 4, 4);
    crc = crc_update(crc, data, len) ^ 0xFFFFFFFFu;
    uint8_t tail[4];
    put32(tail, crc);
    return (fwrite(hdr, 1, 8, f) == 8 && (len == 0 || fwrite(data, 1, len, f) == len) &&
            fwrite(tail, 1, 4, f) == 4) ? 0 : -1;
}

int png_write_rgb(const char *path, const uint32_t *pixels, int width, int height)
{
    if (width <= 0 || height <= 0)
        return -1;
    crc_init();
    size_t row = (size_t)width * 3 + 1; /* filter byte 0 (None) + RGB */
    size_t raw_len = row * (size_t)height;
    uint8_t *raw = malloc(raw_len);
    if (!raw)
        return -1;
    for (int y = 0; y < height; y++) {
        uint8_t *r = raw + (size_t)y * row;
        r[0] = 0;
        for (int x = 0; x < width; x++) {
            uint32_t px = pixels[(size_t)y * (size_t)width + (size_t)x];
            r[1 + x * 3] = (uint8_t)(px >> 16);
            r[2 + x * 3] = (uint8_t)(px >> 8);
            r[3 + x * 3] = (uint8_t)px;
        }
    }
    /* zlib stream: header, stored deflate blocks of at most 65535 bytes, Adler-32. */
    size_t nblocks = raw_len / 65535 + 1;
    size_t z_len = 2 + raw_len + nblocks * 5 + 4;
    uint8_t *z = malloc(z_len);
    if (!z) {
        free(raw);
        return -1;
    }
    size_t o = 0;
    z[o++] = 0x78;
    z[o++] = 0x01;
    uint32_t a = 1, b = 0;
    for (size_t done = 0; done < raw_len || done == 0;) {
        size_t n = raw_len - done > 65535 ? 65535 : raw_len - done;
        z[o++] = (done + n == raw_len) ? 1 : 0; /* BFINAL, BTYPE=00 */
        z[o++] = (uint8_t)n;
        z[o++] = (uint8_t)(n >> 8);
        z[o++] = (uint8_t)~n;
        z[o++] = (uint8_t)(~n >> 8);
        memcpy(z + o, raw + done, n);
        for (size_t i = 0; i < n; i++) {
            a = (a + raw[done + i]) % 65521;
            b = (b + a) % 65521;
        }
        o += n;
        done += n;
        if (raw_len == 0)
            break;
    }
    put32(z + o, (b << 16) | a);
    o += 4;
    free(raw);

    FILE *f = fopen(path, "wb");
    if (!f) {
        free(z);
        return -1;
    }
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    uint8_t ihdr[13];
    put32(ihdr, (uint32_t)width);
    put32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* colour type: truecolour */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering */
    ihdr[12] = 0; /* no interlace */
    int r = (fwrite(sig, 1, 8, f) == 8 && chunk(f, "IHDR", ihdr, 13) == 0 &&
             chunk(f, "IDAT", z, (uint32_t)o) == 0 && chunk(f, "IEND", NULL, 0) == 0) ? 0 : -1;
    free(z);
    if (fclose(f) != 0)
        r = -1;
    return r;
}
