# python3 sum.py ab.txt: per side and concurrency, the median (min-max) of jobs/s and server / Node CPU per job over every run.
import re, statistics, sys
side = None
data = {}
for line in open(sys.argv[1]):
    m = re.match(r"### side=(\w+)", line)
    if m:
        side = m.group(1)
        continue
    m = re.match(r"hopper drain c=(\d+): \d+ jobs, (\d+) jobs/s", line)
    if m:
        c = int(m.group(1))
        data.setdefault((side, c), {"rate": [], "server": [], "node": []})["rate"].append(int(m.group(2)))
        continue
    m = re.match(r"\s+node CPU ([\d.]+) µs/job; server CPU ([\d.]+) µs/job", line)
    if m:
        data[(side, c)]["node"].append(float(m.group(1)))
        data[(side, c)]["server"].append(float(m.group(2)))
fmt = lambda xs: f"{statistics.median(xs):,.1f} ({min(xs):,.1f}-{max(xs):,.1f})"
print("| c | side | runs | jobs/s | server CPU µs/job | Node CPU µs/job |")
print("|---|---|---|---|---|---|")
for c in sorted({c for _, c in data}):
    for s in ("base", "main"):
        d = data.get((s, c))
        if d:
            print(f"| {c} | {s} | {len(d['rate'])} | {fmt(d['rate'])} | {fmt(d['server'])} | {fmt(d['node'])} |")
