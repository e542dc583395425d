#!/usr/bin/env python3
r"""Boot test driver: boots the bundled kernel's disk.img headless, types a scripted shell
session into COM1 and compares the transcript with an expected file.

    run.py --image build/guest-kernel/disk.img --script session.txt \
           [--append "alloc=buddy"] [--emulator qemu|pagewalk] [--pagewalk build/pagewalk] \
           [--expected expected/byte.txt | --update expected/byte.txt] [--transcript out.txt]

Script lines are typed as written, except that the two characters \b stand for the
Backspace key. The emulator runs with COM1 on stdin/stdout. The driver waits for the shell prompt at the
end of the output before typing each script line (so nothing is typed ahead of the
program that reads it), sends the line with a carriage return, and after the last line
(normally `halt`) waits for the emulator to exit. The boot-disk command line (ABI.md: LBA 1
holds "CMDLINE:" + text + NUL) is written into a private copy of the image for QEMU; for
pagewalk it is passed with --append and the image is not copied (pagewalk never writes it).

Normalisation, applied to the transcript before comparing (values that legitimately vary
from run to run, nothing else):
  - line ends: CR LF and stray CR become LF; trailing spaces are dropped;
  - forkstorm's rate line: "in 2 s: 1234 faults/s" / "in under 1 s: more than 1234
    faults/s" become "in <T>: <R> faults/s" (wall-clock time differs per run and host);
  - free's cumulative "wp reuse N, wp copy N" counters become "<N>": after a fork, whether
    parent or child first writes a shared page decides copy versus reuse, and a timer
    tick decides who runs first. (cow prints its own exact counts around one store.)
Everything else (page counts, physical frame addresses, fault counters, pids) is
deterministic for a given kernel, image, memory size and command line, and is compared.

Timeouts (--step-timeout, per script line) only stop a hung guest; they are never a pass
criterion. Exit status 0 when the transcript matches, 1 otherwise.
"""
import argparse
import difflib
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

PROMPT = b"pw$ "
CMDLINE_MAGIC = b"CMDLINE:"
SECTOR = 512


def normalise(text):
    text = text.replace("\r\n", "\n").replace("\r", "")
    text = re.sub(r"in \d+ s: \d+ faults/s", "in <T>: <R> faults/s", text)
    text = re.sub(r"in under 1 s: more than \d+ faults/s", "in <T>: <R> faults/s", text)
    text = re.sub(r"^faults: wp reuse \d+, wp copy \d+,", "faults: wp reuse <N>, wp copy <N>,",
                  text, flags=re.M)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def patch_cmdline(path, cmdline):
    """Writes the command line into LBA 1 of the image at path (a copy)."""
    data = cmdline.encode("ascii")
    if len(data) > 500:
        raise SystemExit("run.py: command line longer than 500 characters")
    with open(path, "r+b") as f:
        f.seek(SECTOR)
        if f.read(len(CMDLINE_MAGIC)) != CMDLINE_MAGIC:
            raise SystemExit("run.py: %s: LBA 1 lacks the CMDLINE: magic" % path)
        f.seek(SECTOR + len(CMDLINE_MAGIC))
        f.write(data + b"\0" * (SECTOR - len(CMDLINE_MAGIC) - len(data)))


class Guest:
    def __init__(self, argv, trace):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.out = b""
        self.trace = trace
        os.set_blocking(self.proc.stdout.fileno(), False)

    def pump(self, timeout):
        """Reads what the guest printed within timeout seconds; False once it exited."""
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            return self.proc.poll() is None
        chunk = self.proc.stdout.read()
        if not chunk:
            self.proc.wait()
            return False
        self.out += chunk
        if self.trace:
            sys.stderr.write(chunk.decode("latin-1"))
            sys.stderr.flush()
        return True

    def wait_prompt(self, since, timeout):
        """Waits until the output (after offset since) ends with the prompt."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.out.endswith(PROMPT) and len(self.out) > since:
                # A prompt at the very end: give the guest a moment to prove it is idle
                # (a background job could still be printing); then it is our turn.
                n = len(self.out)
                alive = self.pump(0.2)
                if len(self.out) == n:
                    return True
                if not alive:
                    return False
                continue
            if not self.pump(0.5):
                return False
        return False

    def type_line(self, line, char_delay):
        # "\b" in a script line is the Backspace key (DEL, as terminals send it).
        data = line.replace("\\b", "\x7f").encode("ascii") + b"\r"
        if char_delay <= 0:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return
        for b in data:
            self.proc.stdin.write(bytes([b]))
            self.proc.stdin.flush()
            self.pump(char_delay)

    def finish(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pump(0.5):
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            return None
        while self.pump(0):
            pass
        return self.proc.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image", required=True)
    ap.add_argument("--script", required=True)
    ap.add_argument("--append", default="", help="kernel command line for this run")
    ap.add_argument("--emulator", choices=["qemu", "pagewalk"], default="qemu")
    ap.add_argument("--qemu", default="qemu-system-i386")
    ap.add_argument("--pagewalk", default="build/pagewalk")
    # 32 MiB in both emulators: BIOSes legitimately differ in what they keep at the top of
    # memory (SeaBIOS keeps 128 KiB back), and the kernel uses at most 16 MiB, so with more
    # than 16 MiB every page count is the same on every PC.
    ap.add_argument("--mem", default="32", help="RAM in MiB")
    ap.add_argument("--pagewalk-arg", action="append", default=[],
                    help="extra pagewalk option (repeatable), e.g. --pagewalk-arg=--cpu=486")
    ap.add_argument("--expected", help="compare the normalised transcript with this file")
    ap.add_argument("--update", help="write the normalised transcript to this file")
    ap.add_argument("--transcript", help="also save the raw transcript here")
    ap.add_argument("--step-timeout", type=float, default=120.0)
    ap.add_argument("--char-delay", type=float, default=0.0,
                    help="seconds between typed characters (0: whole line at once)")
    ap.add_argument("--trace", action="store_true", help="echo guest output to stderr")
    args = ap.parse_args()

    with open(args.script) as f:
        lines = [l.rstrip("\n") for l in f if l.strip() and not l.lstrip().startswith("#")]

    tmpdir = tempfile.mkdtemp(prefix="pw-boot-")
    try:
        if args.emulator == "qemu":
            image = os.path.join(tmpdir, "disk.img")
            shutil.copyfile(args.image, image)
            patch_cmdline(image, args.append)
            argv = [args.qemu, "-drive", "file=%s,format=raw,index=0,media=disk" % image,
                    "-serial", "stdio", "-display", "none", "-monitor", "none",
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-m", args.mem,
                    "-no-reboot"] + (["-icount", os.environ["PW_ICOUNT"]] if os.environ.get("PW_ICOUNT") else [])
        else:
            argv = [args.pagewalk, "--hda", args.image, "--mem", args.mem, "--headless",
                    "--serial", "stdio"]
            if args.append:
                argv += ["--append", args.append]
            argv += args.pagewalk_arg
        guest = Guest(argv, args.trace)
        ok = True
        for line in lines:
            if not guest.wait_prompt(0, args.step_timeout):
                sys.stderr.write("run.py: no prompt before %r\n" % line)
                ok = False
                break
            guest.type_line(line, args.char_delay)
            # Wait until the echo of the line has come back before looking for the next
            # prompt, so the old prompt is not mistaken for a new one.
            mark = len(guest.out)
            deadline = time.monotonic() + args.step_timeout
            while len(guest.out) == mark and time.monotonic() < deadline and guest.pump(0.5):
                pass
        status = guest.finish(args.step_timeout)
        if status is None:
            sys.stderr.write("run.py: the guest did not power off\n")
            ok = False
        err = guest.proc.stderr.read().decode("latin-1", "replace")
        if err.strip() and args.trace:
            sys.stderr.write(err)
        raw = guest.out.decode("latin-1")
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    if args.transcript:
        with open(args.transcript, "w") as f:
            f.write(raw)
    got = normalise(raw)
    if args.update:
        with open(args.update, "w") as f:
            f.write(got)
        print("run.py: wrote %s" % args.update)
        return 0 if ok else 1
    if args.expected:
        with open(args.expected) as f:
            want = normalise(f.read())
        if got != want:
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), got.splitlines(True), args.expected, "transcript"))
            print("\nrun.py: transcript differs from %s" % args.expected)
            return 1
        print("run.py: transcript matches %s (%d lines)" % (args.expected, got.count("\n") + 1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
