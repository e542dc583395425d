#!/usr/bin/env python3
"""pagewalk's host errors: each bad invocation prints exactly one line on stderr, nothing
on stdout, and exits with status 2; --help and --version succeed. usage: cli_errors.py PAGEWALK"""
import os
import subprocess
import sys
import tempfile

pw = sys.argv[1]
failed = 0


def run(args):
    return subprocess.run([pw] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)


def expect_error(args, needle):
    global failed
    p = run(args)
    err = p.stderr.decode(errors="replace")
    lines = err.splitlines()
    ok = p.returncode == 2 and len(lines) == 1 and needle in err and not p.stdout
    print(("ok  " if ok else "FAIL") + f" {args!r}: status {p.returncode}, stderr {err!r}")
    failed += not ok


with tempfile.TemporaryDirectory() as d:
    def mk(name, size, head=b""):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(head + bytes(size - len(head)))
        return path

    empty = mk("empty.img", 0)
    odd = mk("odd.img", 1000)
    hd = mk("hd.img", 4032 * 512)
    nofloppy = mk("fl.img", 1474560 - 512)
    rom = mk("rom.bin", 1000)
    missing = os.path.join(d, "missing.img")

    expect_error(["--bogus"], "--bogus")
    expect_error(["--mem", "0", hd], "--mem")
    expect_error(["--cpu", "8086", hd], "--cpu")
    expect_error(["--hda"], "needs a value")
    expect_error([missing], "missing.img")
    expect_error(["--hda", missing], "missing.img")
    expect_error(["--fda", missing], "missing.img")
    expect_error([empty], "empty")
    expect_error([odd], "512")
    expect_error(["--fda", nofloppy], "floppy")
    expect_error(["--hda", hd + ",chs=5/16/63"], "C/H/S")
    expect_error(["--hda", hd + ",chs=4/17/63"], "out of range")
    expect_error(["--append", "x", "--hda", hd], "CMDLINE")
    expect_error(["--bios", rom, hd], "64 KiB")
    expect_error(["--bios", missing, hd], "missing.img")
    expect_error(["--boot", "a", hd], "--boot a")
    expect_error(["--tlb", "nonsense", hd], "--tlb")
    expect_error(["--script", missing, hd], "--script")
    expect_error(["--symbols", missing, hd], "missing.img")
    expect_error(["--symbols", odd, hd], "System.map")
    expect_error(["--trace", os.path.join(d, "no/such/dir/t.jsonl"), hd], "trace")
    expect_error(["--compare", "--cpu 486"], "--compare")

    for args in (["--help"], ["--version"]):
        p = run(args)
        ok = p.returncode == 0 and p.stdout and not p.stderr
        print(("ok  " if ok else "FAIL") + f" {args!r}: status {p.returncode}")
        failed += not ok

print(f"cli_errors: {failed} failed")
sys.exit(1 if failed else 0)
