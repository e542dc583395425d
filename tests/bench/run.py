#!/usr/bin/env python3
"""`make bench`: guest MIPS per workload for pagewalk, QEMU and Bochs, side by side.

Every workload is a boot image (tests/bench/workloads/bench.S) that prints its own known
instruction count and a check value through port 0xE9. Each emulator that is installed runs
each image several times; the median wall time minus the median time of the empty image
(start-up) gives guest MIPS = known count / time. Ratios pagewalk/QEMU and pagewalk/Bochs are
taken within this one run. pagewalk also runs with each TLB mode. The check values of all
emulators must agree: a disagreement is printed as WRONG, whatever the speed.

Results go to stdout and to <build>/bench-results.json. Nothing here is a test: no
thresholds, no exit status from speed."""
import argparse
import json
import os
import re
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


def measure(name, make_cmd, images, runs, timeout, tmp, log):
    """Returns {workload: {'times': [...], 'insns': n, 'check': hex} or {'error': text}}."""
    res = {}
    for w in ['empty'] + WORKLOADS:
        times, info, err = [], None, None
        for _ in range(runs):
            dt, got, out = run_once(make_cmd(images[w], tmp), timeout)
            if not got or got[0] != w:
                err = out.strip().splitlines()[-1] if out.strip() else 'no output'
                break
            times.append(dt)
            info = got
        if err:
            res[w] = {'error': err}
            log(f'  {name:24} {w:11} failed: {err}')
            if w == 'empty':
                break
            continue
        res[w] = {'times': times, 'insns': info[1], 'check': info[2]}
        log(f'  {name:24} {w:11} median {statistics.median(times):7.3f} s')
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--build', default='build')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--timeout', type=float, default=300)
    ap.add_argument('--only', help='comma-separated emulators: pagewalk,qemu,bochs')
    args = ap.parse_args()

    imgdir = os.path.join(args.build, 'tests', 'bench', 'workloads')
    images = {w: os.path.abspath(os.path.join(imgdir, f'bench-{w}.img')) for w in ['empty'] + WORKLOADS}
    missing = [p for p in images.values() if not os.path.exists(p)]
    if missing:
        sys.exit(f'bench: missing images ({missing[0]}): build the bench-images target first')

    pw = os.path.abspath(os.path.join(args.build, 'pagewalk'))
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

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, cmd in emus:
            print(f'running {name} ...', flush=True)
            results[name] = measure(name, cmd, images, args.runs, args.timeout, tmp,
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
    mmu_bench = os.path.join(args.build, 'tests', 'bench', 'mmu', 'mmu_bench')
    mmu_out = None
    if os.path.exists(mmu_bench):
        print()
        print('MMU microbenchmark (translations per second)')
        mmu_out = subprocess.run([mmu_bench], stdout=subprocess.PIPE, text=True).stdout
        print(mmu_out)
    out = os.path.join(args.build, 'bench-results.json')
    with open(out, 'w') as f:
        json.dump({'runs': args.runs, 'workloads': table, 'errors': errors,
                   'raw_times': {n: {w: r.get('times') for w, r in res.items()} for n, res in results.items()},
                   'mmu_bench': mmu_out}, f, indent=1)
    print(f'\nresults written to {out}')


if __name__ == '__main__':
    main()
