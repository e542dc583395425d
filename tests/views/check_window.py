#!/usr/bin/env python3
"""Runs pagewalk with its real SDL window on a virtual X display (Xvfb), types a command,
and checks the screenshot it reads back from the window: the page map is there (free pages
in their colour, user pages in the 'count 1' colour) and the console shows the guest's text.
usage: check_window.py PAGEWALK OUT.png"""
import os, struct, subprocess, sys, zlib

pagewalk, out = sys.argv[1], sys.argv[2]
if os.path.exists(out):
    os.remove(out)
cmd = ['xvfb-run', '-a', '-s', '-screen 0 1280x800x24', pagewalk, '--type', 'cow\\nhalt\\n',
       '--snapshot', out]
p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
err = p.stderr.decode(errors='replace')
failed = 0
def check(cond, what):
    global failed
    print(('ok     ' if cond else 'FAILED ') + what)
    failed += not cond
check('cannot open the overlay window' not in err and 'no display' not in err, 'the window opened: ' + err.strip().splitlines()[-1] if err.strip() else 'no stderr')
check(p.returncode == 1, 'the guest powered off (status 1), got %d' % p.returncode)
check(b'cow: the child' in p.stdout, 'the guest ran cow')
data = open(out, 'rb').read() if os.path.exists(out) else b''
check(data[:8] == b'\x89PNG\r\n\x1a\n', 'a PNG was read back from the window')
if data[:8] == b'\x89PNG\r\n\x1a\n':
    pos, idat = 8, b''
    while pos < len(data):
        (n,) = struct.unpack('>I', data[pos:pos + 4])
        t = data[pos + 4:pos + 8]
        if t == b'IHDR':
            w, h = struct.unpack('>II', data[pos + 8:pos + 16])
        if t == b'IDAT':
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    px = {}
    for y in range(h):
        row = raw[y * (1 + 3 * w) + 1:(y + 1) * (1 + 3 * w)]
        for x in range(0, 3 * w, 3):
            c = (row[x] << 16) | (row[x + 1] << 8) | row[x + 2]
            px[c] = px.get(c, 0) + 1
    check((w, h) == (1280, 800), 'window size 1280x800, got %dx%d' % (w, h))
    check(px.get(0x303030, 0) > 50000, 'free pages drawn in their colour (%d pixels)' % px.get(0x303030, 0))
    check(px.get(0x3CB44B, 0) > 20, 'pages used once drawn in their colour (%d pixels)' % px.get(0x3CB44B, 0))
    check(px.get(0xAAAAAA, 0) > 2000, 'console text in VGA light grey (%d pixels)' % px.get(0xAAAAAA, 0))
print('window_xvfb: %d passed, %d failed' % (8 - failed if data else 4 - failed, failed))
sys.exit(1 if failed else 0)
