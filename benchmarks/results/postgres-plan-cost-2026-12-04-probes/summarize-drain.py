#!/usr/bin/env python3
# usage: summarize-drain.py DIR   (DIR holds A.txt and B.txt from ab-drain.sh or ab-enqueue.sh): per concurrency (callers), server CPU µs/job,
# Node CPU µs/job and jobs/s per side (median, min-max) and paired B-A (or B/A for jobs/s) per block.
import re, statistics, sys
data = {}
for side in ("A", "B"):
    c = None
    for line in open(f"{sys.argv[1]}/{side}.txt"):
        if line.startswith("== block"): block = int(line.split()[2])
        m = re.search(r"(?:drain c|callers)=(\d+): \d+ jobs, (\d+) jobs/s", line)
        if m: c = int(m.group(1)); data.setdefault((side, c), {})[block] = {"rate": float(m.group(2))}
        m = re.search(r"node CPU ([\d.]+) µs/job;? server CPU ([\d.]+) µs/job", line)
        if m: data[(side, c)][block].update(node=float(m.group(1)), server=float(m.group(2)))
def fmt(v): return f"{statistics.median(v):.1f} ({min(v):.1f}-{max(v):.1f})"
for c in sorted({c for (_, c) in data}):
    a, b = data[("A", c)], data[("B", c)]
    blocks = sorted(set(a) & set(b))
    for key in ("server", "node", "rate"):
        va = [a[k][key] for k in blocks if key in a[k]]; vb = [b[k][key] for k in blocks if key in b[k]]
        pairs = [(a[k][key], b[k][key]) for k in blocks if key in a[k] and key in b[k]]
        if key == "rate":
            ratio = [y / x for x, y in pairs]
            paired = f"B/A median {statistics.median(ratio):.2f} ({min(ratio):.2f}, {max(ratio):.2f}), B > A {sum(r > 1 for r in ratio)}/{len(ratio)}"
        else:
            diff = [y - x for x, y in pairs]
            paired = f"B-A median {statistics.median(diff):+.1f} ({min(diff):+.1f}, {max(diff):+.1f}), B < A {sum(d < 0 for d in diff)}/{len(diff)}"
        print(f"c={c} {key:6} A {fmt(va)} | B {fmt(vb)} | {paired}")
    print(f"   blocks: server A {[a[k]['server'] for k in blocks]} B {[b[k]['server'] for k in blocks]}")
