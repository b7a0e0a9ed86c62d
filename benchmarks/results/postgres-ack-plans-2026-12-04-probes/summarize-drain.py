#!/usr/bin/env python3
# usage: summarize-drain.py DIR   (DIR holds A.txt and B.txt from ab-drain.sh): server CPU µs/job per side and concurrency, median and min-max, and every block's figure.
import re, statistics, sys
for side in ("A", "B"):
    runs = {}
    conc = None
    for line in open(f"{sys.argv[1]}/{side}.txt"):
        m = re.search(r"drain c=(\d+)", line)
        if m: conc = int(m.group(1))
        m = re.search(r"server CPU ([\d.]+) µs/job", line)
        if m: runs.setdefault(conc, []).append(float(m.group(1)))
    for c, values in sorted(runs.items()):
        print(f"{side} c={c}: n={len(values)} median {statistics.median(values):.1f} µs/job (min-max {min(values):.1f}-{max(values):.1f}); blocks {', '.join(f'{v:.1f}' for v in values)}")
