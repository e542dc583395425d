#!/usr/bin/env python3
"""Runs a test image under an emulator and compares what it printed on the debug port with
the expected transcript.

    run.py --expected expected.txt [--timeout S] [--out FILE] -- COMMAND ARGS...

COMMAND is the whole emulator command line, so the same driver serves every emulator, e.g.
    qemu-system-i386 -display none -debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04
        -serial none -monitor none -no-reboot -bios cpurom.bin
    pagewalk --bios cpurom.bin --debugcon stdio ...
The emulator must write the port-0xE9 bytes to its stdout. The exit status of the emulator
is not judged (QEMU's isa-debug-exit turns the guest's 0 into status 1); the transcript is.
"""
import argparse
import difflib
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--expected", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--out", help="also write the transcript here")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command and a.command[0] == "--" else a.command
    if not cmd:
        ap.error("no emulator command after --")
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=a.timeout)
        got, err = p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        got, err = e.stdout or b"", e.stderr or b""
        print(f"run.py: timed out after {a.timeout} s", file=sys.stderr)
    text = got.decode("latin-1").replace("\r\n", "\n")
    if a.out:
        with open(a.out, "w", encoding="latin-1") as f:
            f.write(text)
    with open(a.expected, encoding="latin-1") as f:
        want = f.read()
    if text == want:
        print(f"transcript matches {a.expected} ({len(want.splitlines())} lines)")
        return 0
    sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                               "expected", "got"))
    if err:
        sys.stderr.write(err.decode("latin-1")[-2000:])
    print("run.py: transcript differs", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
