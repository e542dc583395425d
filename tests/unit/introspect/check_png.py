#!/usr/bin/env python3
"""Decodes the fixture PNG with Python's zlib (an independent inflater) and checks every
chunk CRC and every pixel against the pattern png_fixture.c draws."""
import struct, subprocess, sys, zlib

writer, path = sys.argv[1], sys.argv[2]
subprocess.run([writer, path], check=True)
data = open(path, 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'bad signature'
pos, idat, w, h = 8, b'', None, None
while pos < len(data):
    (length,) = struct.unpack('>I', data[pos:pos + 4])
    ctype = data[pos + 4:pos + 8]
    body = data[pos + 8:pos + 8 + length]
    (crc,) = struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])
    assert zlib.crc32(ctype + body) & 0xffffffff == crc, f'bad CRC in {ctype}'
    if ctype == b'IHDR':
        w, h, depth, colour, _, _, _ = struct.unpack('>IIBBBBB', body)
        assert (depth, colour) == (8, 2)
    elif ctype == b'IDAT':
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
assert (w, h) == (300, 250) and len(raw) == h * (1 + 3 * w)
bad = 0
for y in range(h):
    row = raw[y * (1 + 3 * w):(y + 1) * (1 + 3 * w)]
    assert row[0] == 0
    for x in range(w):
        if tuple(row[1 + 3 * x:4 + 3 * x]) != (x & 255, y & 255, (x ^ y) & 255):
            bad += 1
print(f'test_png: {w * h - bad} passed, {bad} failed')
sys.exit(1 if bad else 0)
