#!/usr/bin/env python3
"""Summarises ab.sh probe output: python3 probe-summary.py probe-ab.txt
Per concurrency and side: medians over pairs of jobs/s, Node and server CPU per job, fetch and completion
statements, jobs left as a fetch answered (median of the run's medians), answers with none left; then B ÷ A per pair."""
import re, statistics as st, sys
runs = {}  # (pair, side) -> {c: {...}}
pair = side = None
for line in open(sys.argv[1]):
    m = re.match(r"### pair (\d+) ([AB]) (\S+) load (\S+)", line)
    if m:
        pair, side = int(m[1]), m[2]; runs[(pair, side)] = {"load": m[4]}; continue
    m = re.match(r"hopper drain c=(\d+): \d+ jobs, (\d+) jobs/s", line)
    if m:
        c = int(m[1]); cur = runs[(pair, side)].setdefault(c, {}); cur["rate"] = int(m[2]); continue
    m = re.search(r"node CPU ([\d.]+) µs/job; server CPU ([\d.]+) µs/job", line)
    if m: cur["node"], cur["server"] = float(m[1]), float(m[2]); continue
    m = re.search(r"(\d+) fetches \(mean ([\d.]+) ms\), (\d+) completions.*as it answered (\d+) \(median\), none left at the answer (\d+) of (\d+)", line)
    if m:
        cur["fetches"], cur["fetch_ms"], cur["acks"], cur["left"] = int(m[1]), float(m[2]), int(m[3]), int(m[4])
        cur["none_share"] = int(m[5]) / int(m[6])
pairs = sorted({p for p, _ in runs})
def med(xs): return st.median(xs) if xs else float("nan")
print("| per drain | " + " | ".join(f"c={c} A | c={c} B" for c in (1, 10, 50)) + " |")
print("|---|" + "---|" * 6)
for key, label, fmt in [("rate", "wall jobs/s", "{:,.0f}"), ("node", "Node CPU µs/job", "{:.1f}"), ("server", "server CPU µs/job", "{:.1f}"),
                        ("fetches", "fetch statements", "{:.0f}"), ("fetch_ms", "fetch round trip, mean ms", "{:.2f}"), ("acks", "completion statements", "{:.0f}"),
                        ("left", "jobs left at a fetch's answer (median)", "{:.0f}"), ("none_share", "answers with none left", "{:.0%}")]:
    cells = []
    for c in (1, 10, 50):
        for s in "AB":
            cells.append(fmt.format(med([runs[(p, s)][c][key] for p in pairs if c in runs.get((p, s), {}) and key in runs[(p, s)][c]])))
    print(f"| {label} | " + " | ".join(cells) + " |")
print()
for key, label in [("rate", "wall jobs/s"), ("node", "Node CPU"), ("server", "server CPU")]:
    out = []
    for c in (1, 10, 50):
        ratios = [runs[(p, "B")][c][key] / runs[(p, "A")][c][key] for p in pairs if c in runs.get((p, "A"), {}) and c in runs.get((p, "B"), {})]
        higher = sum(r > 1 for r in ratios)
        out.append(f"c={c} {med(ratios):.2f} (B higher in {higher} of {len(ratios)})")
    print(f"B ÷ A {label}, median of pairs: " + "; ".join(out))
print("loads: " + ", ".join(f"{p}{s} {runs[(p, s)]['load']}" for p in pairs for s in "AB"))
