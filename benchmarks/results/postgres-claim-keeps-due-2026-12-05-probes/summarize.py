# Medians per side and concurrency from an ab-drain.sh output: python3 summarize.py ab-drain-N.txt
import re, sys, statistics
data = {}
side = None
for line in open(sys.argv[1]):
    m = re.match(r"== (\w+) round", line)
    if m: side = m.group(1); continue
    m = re.search(r"drain c=(\d+): \d+ jobs, (\d+) jobs/s", line)
    if m: c = int(m.group(1)); data.setdefault((side, c), {"rate": [], "node": [], "server": [], "wal": []})["rate"].append(int(m.group(2))); continue
    m = re.search(r"node CPU ([\d.]+) µs/job; server CPU ([\d.]+) µs/job; WAL (\d+)", line)
    if m:
        d = data[(side, c)]; d["node"].append(float(m.group(1))); d["server"].append(float(m.group(2))); d["wal"].append(int(m.group(3)))
print("| c | side | runs | jobs/s median (all) | node CPU µs/job | server CPU µs/job | WAL B/job |")
print("|---|---|---|---|---|---|---|")
for c in sorted({k[1] for k in data}):
    for s in ("base", "branch"):
        d = data.get((s, c))
        if not d: continue
        med = lambda xs: statistics.median(xs)
        print(f"| {c} | {s} | {len(d['rate'])} | {med(d['rate']):,.0f} ({', '.join(f'{x:,}' for x in d['rate'])}) | {med(d['node']):.1f} | {med(d['server']):.1f} | {med(d['wal']):.0f} |")
    b, r = data.get(("base", c)), data.get(("branch", c))
    if b and r: print(f"| {c} | branch ÷ base | | {statistics.median(r['rate'])/statistics.median(b['rate']):.2f}× | | {statistics.median(r['server'])/statistics.median(b['server']):.2f}× | {statistics.median(r['wal'])/statistics.median(b['wal']):.2f}× |")
