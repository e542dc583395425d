#!/usr/bin/env python3
"""The program's looking-at-it features from the command line, on the bundled kernel:
  - --trace writes valid JSON Lines, one event per line, with the page faults --stats counts;
  - --trace-chrome writes a valid Chrome trace with page-fault and flush events and counters;
  - --compare cr3 vs invlpg differs where it must (CR3 writes, INVLPG, entries flushed) and
    agrees where it must (the page faults of each kind);
  - "break icount N" stops with exactly N instructions retired, and runs are reproducible.
usage: check_cli.py PAGEWALK WORKDIR"""
import json, os, re, subprocess, sys

pw, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
passed = failed = 0
def check(cond, what):
    global passed, failed
    print(('ok     ' if cond else 'FAILED ') + what)
    if cond: passed += 1
    else: failed += 1

def run(args, **kw):
    return subprocess.run([pw, '--headless', '--serial', 'none'] + args, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, text=True, **kw)

# traces
jl, ch = os.path.join(work, 'cow.jsonl'), os.path.join(work, 'cow.json')
p = run(['--type', 'cow\\nhalt\\n', '--trace', jl, '--trace-chrome', ch, '--stats'])
check(p.returncode == 1, 'traced run powers off (status 1): %d' % p.returncode)
events = []
with open(jl) as f:
    for n, line in enumerate(f):
        try:
            events.append(json.loads(line))
        except ValueError:
            check(False, 'line %d of the JSON Lines trace parses' % (n + 1))
            break
check(len(events) > 1000, 'JSON Lines trace has events (%d)' % len(events))
kinds = {}
for e in events:
    kinds[e.get('ev')] = kinds.get(e.get('ev'), 0) + 1
m = re.search(r'page faults by kind: (\d+)', p.stderr)
check(m is not None and kinds.get('page_fault') == int(m.group(1)),
      'trace page faults (%s) = --stats page faults (%s)' % (kinds.get('page_fault'), m and m.group(1)))
check(all('icount' in e and 'eip' in e for e in events), 'every event has icount and eip')
check(all(events[i]['icount'] <= events[i + 1]['icount'] for i in range(len(events) - 1)), 'events in order')
for k in ('walk', 'tlb_fill', 'tlb_flush', 'cr_write', 'task_switch', 'exception', 'iret'):
    check(kinds.get(k, 0) > 0, 'trace has %s events (%d)' % (k, kinds.get(k, 0)))
with open(ch) as f:
    chrome = json.load(f)
te = chrome.get('traceEvents', [])
names = {}
for e in te:
    names[(e.get('name'), e.get('ph'))] = names.get((e.get('name'), e.get('ph')), 0) + 1
check(names.get(('page fault', 'i'), 0) == kinds.get('page_fault'), 'Chrome trace: one instant per page fault')
check(names.get(('TLB flush', 'i'), 0) > 0 and names.get(('task switch', 'i'), 0) > 0, 'Chrome trace: flushes and task switches')
check(names.get(('free pages', 'C'), 0) > 0 and names.get(('TLB hit rate', 'C'), 0) > 0, 'Chrome trace: counters')
check(all(te[i]['ts'] <= te[i + 1]['ts'] for i in range(len(te) - 1)), 'Chrome trace in time order')

# compare
p = subprocess.run([pw, '--compare', '--append invalidate=cr3', '--append invalidate=invlpg', '--cpu', '486',
                    '--type', 'forkstorm 5\\nhalt\\n'], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, timeout=300, text=True)
rows = {}
for line in p.stdout.splitlines():
    m = re.match(r'(.+?)\s{2,}(\d+)\s+(\d+)', line)
    if m:
        rows[m.group(1).strip()] = (int(m.group(2)), int(m.group(3)))
check(p.returncode == 0 and 'CR3 writes' in rows, 'compare printed its table')
if 'CR3 writes' in rows:
    check(rows['CR3 writes'][0] > 10 * rows['CR3 writes'][1], 'cr3 reloads far more often: %s' % (rows['CR3 writes'],))
    check(rows['INVLPG'][0] == 0 and rows['INVLPG'][1] > 0, 'only invlpg uses INVLPG: %s' % (rows['INVLPG'],))
    check(rows['entries flushed: CR3'][0] > rows['entries flushed: INVLPG'][1], 'cr3 drops more entries')
    for k in ('faults: copy-on-write copy', 'faults: demand-zero', 'faults: demand-load'):
        check(rows[k][0] == rows[k][1], 'same %s in both: %s' % (k, rows[k]))
    check(rows['page walks'][0] > rows['page walks'][1], 'invlpg walks less: %s' % (rows['page walks'],))

# breakpoints at an exact instruction count, reproducibly
script = os.path.join(work, 'icount.mon')
with open(script, 'w') as f:
    f.write('break icount 123457\ncontinue\ninfo regs\nquit\n')
outs = []
for _ in range(2):
    p = run(['--script', script])
    m = re.search(r'icount (\d+)', p.stdout.split('(pagewalk) info regs')[-1])
    outs.append(p.stdout)
    check(m is not None and int(m.group(1)) == 123457, 'break icount stops at 123457: %s' % (m and m.group(1)))
check(outs[0] == outs[1], 'two runs print the same')
print('check_cli: %d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
