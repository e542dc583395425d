#!/usr/bin/env python3
"""Runs a test disk on qemu-system-i386 or on pagewalk and compares its port-0xE9 transcript
with the expected one.

The test image asks for keys by printing a line "keys?"; the driver then types them: on
QEMU through the human monitor's `sendkey` (on a Unix socket), on pagewalk through --type
(which pagewalk holds back until the guest reads the keyboard). Exit: the image writes 0 to
the isa-debug-exit port 0xF4, so both end with status 1.

usage: run.py qemu|pagewalk --image IMG --expected FILE [--emu PATH] [--keys TEXT]
                            [--floppy | --bios]
       run.py repro --image IMG --emu PATH   (two pagewalk runs: same transcript and count)
       run.py scroll --image IMG --emu PATH  (the headless console copies every screen line)
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = 120  # seconds; a hang guard only, never a pass/fail criterion

# sendkey names for the characters the tests type
QEMU_KEYS = {"\n": "ret", " ": "spc", "\t": "tab"}


def qemu_key(ch):
    if ch in QEMU_KEYS:
        return QEMU_KEYS[ch]
    if ch.isupper():
        return "shift-" + ch.lower()
    return ch


def run_qemu(args):
    qemu = args.qemu or "qemu-system-i386"
    with tempfile.TemporaryDirectory() as tmp:
        sock_path = os.path.join(tmp, "mon")
        cmd = [qemu, "-display", "none", "-m", str(args.mem), "-no-reboot",
               "-debugcon", "stdio", "-serial", "null", "-parallel", "none",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               *(["-bios", args.image] if args.bios else
                 ["-drive", f"file={args.image},format=raw,if={'floppy' if args.floppy else 'ide'},"
                            "index=0,snapshot=on"]),
               "-monitor", f"unix:{sock_path},server,nowait"]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        lines = []
        deadline = time.time() + TIMEOUT
        try:
            while True:
                line = p.stdout.readline()
                if not line:
                    break
                text = line.decode("latin-1")
                lines.append(text)
                if text.strip() == "keys?":
                    mon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    mon.connect(sock_path)
                    for ch in args.keys:
                        mon.sendall(f"sendkey {qemu_key(ch)}\n".encode())
                        time.sleep(0.15)
                    mon.close()
                if time.time() > deadline:
                    p.kill()
                    sys.exit("qemu: timed out")
            rc = p.wait(timeout=TIMEOUT)
        finally:
            if p.poll() is None:
                p.kill()
        return "".join(lines), rc, p.stderr.read().decode("latin-1")


def pagewalk_cmd(args):
    keys = args.keys.replace("\\", "\\\\").replace("\n", "\\n")
    return [args.emu, "--headless", "--mem", str(args.mem), "--debugcon", "stdio",
            "--serial", "none",
            "--bios" if args.bios else "--fda" if args.floppy else "--hda", args.image, "--type", keys,
            "--max-instructions", str(args.max_insns), "--stats"]


def run_pagewalk(args):
    p = subprocess.run(pagewalk_cmd(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT)
    return p.stdout.decode("latin-1"), p.returncode, p.stderr.decode("latin-1")


def compare(name, got, rc, err, expected_path):
    with open(expected_path, encoding="latin-1") as f:
        want = f.read()
    ok = True
    if got != want:
        ok = False
        print(f"{name}: transcript differs from {expected_path}")
        gl, wl = got.splitlines(), want.splitlines()
        for i in range(max(len(gl), len(wl))):
            g = gl[i] if i < len(gl) else "<missing>"
            w = wl[i] if i < len(wl) else "<missing>"
            mark = "  " if g == w else "! "
            print(f"{mark}{w!r:45} {g!r}")
    if rc != 1:
        ok = False
        print(f"{name}: exit status {rc}, expected 1 (guest wrote 0 to port 0xF4)")
    if not ok and err:
        print(f"{name} stderr:\n{err}")
    if ok:
        print(f"{name}: transcript matches ({len(got.splitlines())} lines)")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["qemu", "pagewalk", "repro", "scroll"])
    ap.add_argument("--image", required=True)
    ap.add_argument("--expected")
    ap.add_argument("--emu")
    ap.add_argument("--qemu")
    ap.add_argument("--mem", type=int, default=16)
    ap.add_argument("--floppy", action="store_true", help="the image is a 1.44 MB floppy")
    ap.add_argument("--bios", action="store_true", help="the image is a firmware ROM")
    ap.add_argument("--keys", default="aB\n")
    ap.add_argument("--max-insns", type=int, default=400_000_000)
    args = ap.parse_args()

    if args.mode == "qemu":
        out, rc, err = run_qemu(args)
        return 0 if compare("qemu", out, rc, err, args.expected) else 1
    if args.mode == "pagewalk":
        out, rc, err = run_pagewalk(args)
        return 0 if compare("pagewalk", out, rc, err, args.expected) else 1
    if args.mode == "scroll":
        # The guest prints "line 01".."line 40" and "all lines printed" on the VGA screen
        # only; pagewalk's terminal copy must hold each once, in order, nothing lost.
        p = subprocess.run([args.emu, "--serial", "stdio", "--hda", args.image,
                            "--max-instructions", str(args.max_insns)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        lines = p.stdout.decode("latin-1").splitlines()
        want = [f"line {i:02d}" for i in range(1, 41)] + ["all lines printed"]
        got = [l for l in lines if l.startswith("line ") or l == "all lines printed"]
        ok = got == want and "halted with interrupts disabled" in p.stderr.decode()
        print(f"scroll: {len(got)} of {len(want)} lines {'in order' if got == want else 'WRONG'}")
        if not ok:
            print(p.stdout.decode("latin-1"), p.stderr.decode("latin-1"))
        return 0 if ok else 1
    # repro: two runs, identical transcript and identical instruction count (--stats line)
    runs = [run_pagewalk(args) for _ in range(2)]
    counts = []
    for out, rc, err in runs:
        m = re.search(r"instructions: (\d+)", err)
        counts.append(m.group(1) if m else None)
    ok = runs[0][0] == runs[1][0] and runs[0][1] == runs[1][1] and counts[0] == counts[1] \
        and counts[0] is not None and runs[0][0] != ""
    print(f"repro: exit {runs[0][1]}/{runs[1][1]}, instructions {counts[0]}/{counts[1]}, "
          f"transcripts {'identical' if runs[0][0] == runs[1][0] else 'DIFFERENT'}")
    if not ok:
        print(runs[0][2])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
