#!/usr/bin/env python3
"""`make bench`: guest MIPS per workload for pagewalk, QEMU and Bochs, side by side.

Every workload is a boot image (tests/bench/workloads/bench.S) that prints its own known
instruction count and a check value through port 0xE9. Each emulator that is installed runs
each image several times; the median wall time minus the median time of the empty image
(start-up) gives guest MIPS = known count / time. Ratios pagewalk/QEMU and pagewalk/Bochs are
taken within this one run. pagewalk also runs with each TLB mode. The check values of all
emulators must agree: a disagreement is printed as WRONG, whatever the speed.

The bundled kernel (build/guest-kernel/disk.img) adds two rows:
  - boot: wall seconds from start until the shell prompt `pw$ ` appears on COM1 (pagewalk and
    QEMU, read from a pipe), and pagewalk's instruction count for booting and typing `halt`
    (`--type 'halt\\n' --stats`, deterministic: virtual clock);
  - forkstorm N: N forks whose children each write 8 shared pages (copy-on-write faults).
    The guest's own rate is virtual time in pagewalk, so the host wall time is measured
    instead. pagewalk: `--type 'forkstorm N\\nhalt\\n' --stats` minus the `halt`-only run, in
    wall time and in --stats page faults; QEMU: the time from typing the command on COM1 to
    the next prompt, with the fault count the program prints.
Bochs has no row there (it would need its serial port on a pty).

Results go to stdout and to <build>/bench-results.json. Nothing here is a test: no
thresholds, no exit status from speed."""
import argparse
import json
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

WORKLOADS = ['alu', 'mem', 'tlbflush', 'strings', 'taskswitch']
LINE = re.compile(r'bench (\w+) insns=(\d+) check=([0-9a-f]{8})')
PW_TLB_MODES = [('off', 'off'), ('386 default', None), ('ideal', 'ideal')]


def bochs_cmd(img, tmp):
    rc = os.path.join(tmp, os.path.basename(img) + '.bochsrc')
    with open(rc, 'w') as f:
        f.write(f"""megs: 32
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=disk, path={img}, mode=flat, cylinders=1, heads=16, spt=63
boot: disk
display_library: rfb, options="timeout=0"
clock: sync=none, time0=local
port_e9_hack: enabled=1
log: -
panic: action=fatal
error: action=ignore
info: action=ignore
debug: action=ignore
""")
    cmds = os.path.join(tmp, 'bochs.cmds')
    with open(cmds, 'w') as f:
        f.write('continue\nquit\n')
    return ['bochs', '-q', '-f', rc, '-rc', cmds]


def qemu_cmd(img, tmp):
    return ['qemu-system-i386', '-display', 'none', '-nodefaults', '-m', '32',
            '-drive', f'file={img},format=raw,if=ide,snapshot=on',
            '-debugcon', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']


def pagewalk_cmd(pw, tlb):
    def cmd(img, tmp):
        c = [pw, '--headless', '--hda', img, '--mem', '32', '--debugcon', 'stdio',
             '--serial', 'none']
        if tlb:
            c += ['--tlb', tlb]
        return c
    return cmd


def run_once(cmd, timeout):
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout)
        out = p.stdout.decode('latin-1')
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode('latin-1') + '\n(timeout)'
    dt = time.perf_counter() - t0
    m = LINE.search(out)
    return dt, (m.group(1), int(m.group(2)), m.group(3)) if m else None, out


def measure(emus, images, runs, timeout, tmp, log):
    """Returns {emulator: {workload: {'times': [...], 'insns': n, 'check': hex} or {'error': text}}}.

    The runs are interleaved: round i runs every emulator once on every workload (the empty
    image first), so that whatever drifts on the host over the series (other load, clock)
    weighs on every emulator, on its start-up figure and on every workload alike, rather than
    on whichever ran during it: the ratios compare runs made at the same time."""
    order = ['empty'] + WORKLOADS
    times = {n: {w: [] for w in order} for n, _ in emus}
    info = {n: {} for n, _ in emus}
    errors = {n: {} for n, _ in emus}
    for _ in range(runs):
        for name, make_cmd in emus:
            for w in order:
                if w in errors[name] or 'empty' in errors[name]:
                    continue
                dt, got, out = run_once(make_cmd(images[w], tmp), timeout)
                if not got or got[0] != w:
                    errors[name][w] = out.strip().splitlines()[-1] if out.strip() else 'no output'
                    log(f'  {name:24} {w:11} failed: {errors[name][w]}')
                    continue
                times[name][w].append(dt)
                info[name][w] = got
    res = {}
    for name, _ in emus:
        r = res[name] = {}
        for w in order:
            if w in errors[name] or 'empty' in errors[name]:
                r[w] = {'error': errors[name].get(w, errors[name].get('empty'))}
                continue
            r[w] = {'times': times[name][w], 'insns': info[name][w][1], 'check': info[name][w][2]}
            log(f'  {name:24} {w:11} median {statistics.median(times[name][w]):7.3f} s')
    return res


def mips(res, w):
    """(median, min, max) MIPS after subtracting the empty image's median start-up."""
    if 'error' in res.get('empty', {'error': 1}) or 'error' in res.get(w, {'error': 1}):
        return None
    base = statistics.median(res['empty']['times'])
    vals = []
    for t in res[w]['times']:
        dt = t - base
        vals.append(res[w]['insns'] / dt / 1e6 if dt > 1e-3 else float('inf'))
    return statistics.median(vals), min(vals), max(vals)


def fmt(m):
    if m is None:
        return 'n/a'
    med, lo, hi = m
    return f'{med:8.1f} ({lo:.0f}-{hi:.0f})'


# ---------------------------------------------------------------- the bundled kernel

PROMPT = b'pw$ '
STATS_INSNS = re.compile(r'^instructions: (\d+)', re.M)
STATS_PF = re.compile(r'^page faults: (\d+)', re.M)
FORK_LINE = re.compile(r'forkstorm: (\d+) forks, (\d+) page faults')


class Console:
    """An emulator with COM1 on a pipe: waits for output, types lines, times both."""

    def __init__(self, argv):
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.out = b''

    def wait_for(self, pattern, since, timeout):
        """Seconds since start when the output after offset since first ends with pattern
        (a prompt is the last thing printed), or None on exit/timeout."""
        deadline = time.perf_counter() + timeout
        while True:
            if self.out.endswith(pattern) and len(self.out) > since:
                return time.perf_counter() - self.t0
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            r, _, _ = select.select([self.proc.stdout], [], [], min(left, 1.0))
            if r:
                chunk = self.proc.stdout.read()
                if not chunk:
                    return None
                self.out += chunk
            elif self.proc.poll() is not None:
                return None

    def type(self, line):
        self.proc.stdin.write(line.encode() + b'\r')
        self.proc.stdin.flush()
        return time.perf_counter() - self.t0

    def close(self, timeout):
        """Types halt, waits for the power-off; kills the emulator if it does not stop.
        Returns stderr."""
        try:
            self.type('halt')
        except OSError:
            pass
        self.wait_for(b'\0', len(self.out), timeout)  # reads until the emulator exits
        try:
            self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        err = self.proc.stderr.read()
        self.proc.stdin.close()
        return err.decode('latin-1')


def console_session(argv, forks, timeout):
    """Boot to the prompt, optionally run forkstorm, halt. Returns a dict or {'error'}."""
    try:
        con = Console(argv)
    except OSError as e:
        return {'error': str(e)}
    res = {}
    t = con.wait_for(PROMPT, 0, timeout)
    if t is None:
        con.close(5)
        return {'error': 'no shell prompt: ' + con.out.decode('latin-1')[-80:].strip()}
    res['prompt_s'] = t
    if forks:
        mark = len(con.out)
        t_typed = con.type(f'forkstorm {forks}')
        t_done = con.wait_for(PROMPT, mark + 12, timeout)
        m = FORK_LINE.search(con.out[mark:].decode('latin-1'))
        if t_done is None or not m:
            con.close(5)
            return {'error': 'forkstorm did not finish: ' + con.out[mark:].decode('latin-1')[-80:].strip()}
        res['fork_s'] = t_done - t_typed
        res['fork_faults'] = int(m.group(2))
    res['stderr'] = con.close(timeout)
    return res


def pagewalk_typed(pw, disk, text, timeout):
    """pagewalk --type TEXT --stats: (wall seconds, instructions, page faults) or an error."""
    cmd = [pw, '--headless', '--hda', disk, '--serial', 'none', '--type', text, '--stats']
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {'error': 'timeout'}
    dt = time.perf_counter() - t0
    out = p.stdout.decode('latin-1')
    mi, mp = STATS_INSNS.search(out), STATS_PF.search(out)
    if not mi or not mp:
        return {'error': (out.strip().splitlines() or ['no output'])[-1]}
    return {'wall_s': dt, 'insns': int(mi.group(1)), 'page_faults': int(mp.group(1))}


def med(vals):
    return statistics.median(vals) if vals else None


def measure_kernel(pw, disk, forks, runs, timeout, log, with_qemu=True):
    """The boot and forkstorm rows. Returns {emulator: {...}}."""
    res = {}
    if pw and os.path.exists(pw):
        r = {'boot_wall_s': [], 'prompt_s': [], 'fork_wall_s': [], 'fork_faults': None}
        for _ in range(runs):
            boot = pagewalk_typed(pw, disk, 'halt\\n', timeout)
            fork = pagewalk_typed(pw, disk, f'forkstorm {forks}\\nhalt\\n', timeout)
            if 'error' in boot or 'error' in fork:
                r = {'error': boot.get('error') or fork.get('error')}
                break
            r['boot_insns'] = boot['insns']
            r['boot_wall_s'].append(boot['wall_s'])
            r['fork_wall_s'].append(fork['wall_s'] - boot['wall_s'])
            r['fork_faults'] = fork['page_faults'] - boot['page_faults']
            r['fork_insns'] = fork['insns'] - boot['insns']
            # Time to the prompt itself: COM1 on a pipe. pagewalk flushes its serial output
            # at line ends only, so the prompt (no newline) needs an unbuffered stdout.
            if shutil.which('stdbuf'):
                s = console_session(['stdbuf', '-o0', pw, '--headless', '--hda', disk,
                                     '--serial', 'stdio'], 0, timeout)
                if 'prompt_s' in s:
                    r['prompt_s'].append(s['prompt_s'])
        res['pagewalk'] = r
        log('  pagewalk   kernel      ' + (r['error'] if 'error' in r else
            f"boot+halt {med(r['boot_wall_s']):.3f} s, prompt "
            + (f"{med(r['prompt_s']):.3f} s, " if r['prompt_s'] else "n/a (no stdbuf), ") +
            f"forkstorm {med(r['fork_wall_s']):.3f} s"))
    if with_qemu and shutil.which('qemu-system-i386'):
        argv = ['qemu-system-i386', '-drive', f'file={disk},format=raw,index=0,media=disk,snapshot=on',
                '-serial', 'stdio', '-display', 'none', '-monitor', 'none', '-m', '16',
                '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot']
        r = {'prompt_s': [], 'fork_wall_s': [], 'fork_faults': None}
        for _ in range(runs):
            s = console_session(argv, forks, timeout)
            if 'error' in s:
                r = {'error': s['error']}
                break
            r['prompt_s'].append(s['prompt_s'])
            r['fork_wall_s'].append(s['fork_s'])
            r['fork_faults'] = s['fork_faults']
        res['qemu'] = r
        log('  qemu       kernel      ' + (r['error'] if 'error' in r else
            f"prompt {med(r['prompt_s']):.3f} s, forkstorm {med(r['fork_wall_s']):.3f} s"))
    return res


def print_kernel(kres, forks):
    def cell(r, key, f='{:.3f}'):
        if r is None or 'error' in r:
            return 'n/a'
        v = r.get(key)
        if isinstance(v, list):
            v = med(v)
        return f.format(v) if v is not None else 'n/a'

    def rate(r):
        if r is None or 'error' in r or not r.get('fork_wall_s') or not r.get('fork_faults'):
            return None
        return r['fork_faults'] / med(r['fork_wall_s'])

    pw, q = kres.get('pagewalk'), kres.get('qemu')
    print()
    print('bundled kernel (medians; wall seconds on this host)')
    hdr = f'{"row":34} {"pagewalk":>14} {"QEMU":>14} {"pw/QEMU":>8}'
    print(hdr)
    print('-' * len(hdr))
    pp, qp = cell(pw, 'prompt_s'), cell(q, 'prompt_s')
    ratio = (f'{med(q["prompt_s"]) / med(pw["prompt_s"]):8.2f}'
             if pp != 'n/a' and qp != 'n/a' else '     n/a')
    print(f'{"boot: seconds to the pw$ prompt":34} {pp:>14} {qp:>14} {ratio}  (speed ratio)')
    print(f'{"boot+halt: seconds (--type halt)":34} {cell(pw, "boot_wall_s"):>14} {"":>14}')
    print(f'{"boot+halt: guest instructions":34} {cell(pw, "boot_insns", "{:d}"):>14} {"":>14}')
    print(f'{f"forkstorm {forks}: page faults":34} {cell(pw, "fork_faults", "{:d}"):>14} '
          f'{cell(q, "fork_faults", "{:d}"):>14}')
    print(f'{f"forkstorm {forks}: host seconds":34} {cell(pw, "fork_wall_s"):>14} {cell(q, "fork_wall_s"):>14}')
    rp, rq = rate(pw), rate(q)
    print(f'{"forkstorm: COW faults per host s":34} {(f"{rp:.0f}" if rp else "n/a"):>14} '
          f'{(f"{rq:.0f}" if rq else "n/a"):>14} ' + (f'{rp / rq:8.2f}' if rp and rq else '     n/a'))
    for n, r in kres.items():
        if 'error' in r:
            print(f'{n}: kernel: {r["error"]}')
    return {'pagewalk': pw, 'qemu': q, 'fault_rate': {'pagewalk': rp, 'qemu': rq}}


def run_workloads(args, pw):
    """The workload table. Returns (table, errors, raw results)."""
    imgdir = os.path.join(args.build, 'tests', 'bench', 'workloads')
    images = {w: os.path.abspath(os.path.join(imgdir, f'bench-{w}.img')) for w in ['empty'] + WORKLOADS}
    missing = [p for p in images.values() if not os.path.exists(p)]
    if missing:
        print(f'bench: missing images ({missing[0]}): build the bench-images target first')
        return {}, {}, {}

    emus = []
    if os.path.exists(pw):
        for label, tlb in PW_TLB_MODES:
            emus.append((f'pagewalk tlb={label}', pagewalk_cmd(pw, tlb)))
    if shutil.which('qemu-system-i386'):
        emus.append(('qemu', qemu_cmd))
    if shutil.which('bochs') and os.path.exists('/usr/share/bochs/VGABIOS-lgpl-latest'):
        emus.append(('bochs', bochs_cmd))
    if args.only:
        keep = args.only.split(',')
        emus = [e for e in emus if e[0].split()[0] in keep]

    print('running ' + ', '.join(n for n, _ in emus) + f' ({args.runs} rounds, interleaved) ...',
          flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(emus, images, args.runs, args.timeout, tmp,
                          lambda s: print(s, flush=True))

    pw_default = 'pagewalk tlb=386 default'
    print()
    print('guest MIPS, median (min-max) of %d runs; start-up subtracted' % args.runs)
    hdr = f'{"workload":11} {"pagewalk":>20} {"QEMU":>20} {"Bochs":>20} {"pw/QEMU":>8} {"pw/Bochs":>8}'
    print(hdr)
    print('-' * len(hdr))
    table = {}
    for w in WORKLOADS:
        row = {n: mips(results[n], w) if n in results else None for n in results}
        pwm, qm, bm = row.get(pw_default), row.get('qemu'), row.get('bochs')
        checks = {n: results[n][w]['check'] for n in results if 'check' in results[n].get(w, {})}
        wrong = len(set(checks.values())) > 1
        r_q = f'{pwm[0] / qm[0]:8.2f}' if pwm and qm else '     n/a'
        r_b = f'{pwm[0] / bm[0]:8.2f}' if pwm and bm else '     n/a'
        print(f'{w:11} {fmt(pwm):>20} {fmt(qm):>20} {fmt(bm):>20} {r_q} {r_b}'
              + ('   WRONG: check values differ ' + str(checks) if wrong else ''))
        table[w] = {'mips': {n: (row[n][0] if row[n] else None) for n in row},
                    'mips_min_max': {n: (row[n][1:] if row[n] else None) for n in row},
                    'checks': checks, 'agree': not wrong,
                    'insns': next((results[n][w]['insns'] for n in results if 'insns' in results[n].get(w, {})), None)}
    if any(n.startswith('pagewalk') for n in results):
        print()
        print('pagewalk by TLB mode (guest MIPS, median)')
        print(f'{"workload":11} ' + ' '.join(f'{label:>16}' for label, _ in PW_TLB_MODES))
        for w in WORKLOADS:
            cells = []
            for label, _ in PW_TLB_MODES:
                n = f'pagewalk tlb={label}'
                m = mips(results[n], w) if n in results else None
                cells.append(f'{m[0]:16.1f}' if m else f'{"n/a":>16}')
            print(f'{w:11} ' + ' '.join(cells))
    errors = {n: {w: r['error'] for w, r in res.items() if 'error' in r} for n, res in results.items()}
    errors = {n: e for n, e in errors.items() if e}
    if errors:
        print()
        for n, e in errors.items():
            for w, text in e.items():
                print(f'{n}: {w}: {text}')
    return table, errors, results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--build', default='build')
    ap.add_argument('--runs', type=int, default=5,
                    help='runs per emulator and workload (medians; 3 swing by several %%)')
    ap.add_argument('--timeout', type=float, default=300)
    ap.add_argument('--only', help='comma-separated emulators: pagewalk,qemu,bochs')
    ap.add_argument('--forks', type=int, default=200, help='forkstorm N for the kernel row')
    ap.add_argument('--no-kernel', action='store_true', help='skip the bundled-kernel rows')
    ap.add_argument('--no-workloads', action='store_true', help='only the bundled-kernel rows')
    args = ap.parse_args()
    if not os.path.isdir(args.build):
        sys.exit(f'bench: no build directory {args.build} (configure and build first)')

    pw = os.path.abspath(os.path.join(args.build, 'pagewalk'))
    if not os.path.exists(pw):
        print(f'bench: {pw} not built: pagewalk rows are n/a')
    table, errors, results = {}, {}, {}
    if not args.no_workloads:
        table, errors, results = run_workloads(args, pw)
    kernel = None
    disk = os.path.abspath(os.path.join(args.build, 'guest-kernel', 'disk.img'))
    if not args.no_kernel:
        if os.path.exists(disk):
            keep = args.only.split(',') if args.only else ['pagewalk', 'qemu']
            print(f'running the bundled kernel (boot, forkstorm {args.forks}) ...', flush=True)
            kres = measure_kernel(pw if 'pagewalk' in keep else None, disk, args.forks, args.runs,
                                  args.timeout,
                                  lambda s: print(s, flush=True), 'qemu' in keep)
            kernel = print_kernel(kres, args.forks)
        else:
            print(f'\nbench: {disk} missing: no bundled-kernel rows (build the guest kernel)')
    mmu_bench = os.path.join(args.build, 'tests', 'bench', 'mmu', 'bench_mmu')
    mmu_out = None
    if os.path.exists(mmu_bench):
        print()
        print('MMU microbenchmark (translations per second)')
        mmu_out = subprocess.run([mmu_bench], stdout=subprocess.PIPE, text=True).stdout
        print(mmu_out)
    out = os.path.join(args.build, 'bench-results.json')
    with open(out, 'w') as f:
        json.dump({'runs': args.runs, 'workloads': table, 'errors': errors, 'kernel': kernel,
                   'raw_times': {n: {w: r.get('times') for w, r in res.items()} for n, res in results.items()},
                   'mmu_bench': mmu_out}, f, indent=1)
    print(f'\nresults written to {out}')


if __name__ == '__main__':
    main()
