# python3 table.py  (reads /tmp/sqsid/bench*.log and /tmp/sqsid/bench-<one|two>-<n>/latest.md)
# Prints one row per bench run: step, pair, load at start, hopper and raw medians per column, hopper/raw ratios.
import re, glob, statistics, sys
cols = ["enqueue single", "enqueue bulk", "drain c=1", "drain c=10", "drain c=50"]
loads = {}
for log in ["/tmp/sqsid/bench.log", "/tmp/sqsid/bench2.log"]:
    try:
        for line in open(log):
            m = re.match(r"== step (\w+) pair (\d+) start (\S+) load (\S+) (\S+) (\S+)", line)
            if m: loads[(m[1], int(m[2]))] = (m[3], m[4])
    except FileNotFoundError: pass
ratios = {"one": {c: [] for c in cols}, "two": {c: [] for c in cols}}
rows = []
for path in sorted(glob.glob("/tmp/sqsid/bench-*-*/latest.md"), key=lambda p: (int(p.split("-")[-1].split("/")[0]), p)):
    step, pair = re.search(r"bench-(\w+)-(\d+)/", path).groups(); pair = int(pair)
    text = open(path).read()
    fig = {}
    for who in ["hopper", "raw"]:
        line = next(l for l in text.splitlines() if l.startswith(f"| **sqs/{who}**") and "jobs" not in l and l.count("|") == 8)
        cells = [c.strip() for c in line.split("|")[3:8]]
        fig[who] = [float(re.match(r"[\d,]+", c)[0].replace(",", "")) for c in cells]
        fig[who + "txt"] = cells
    r = [h / w for h, w in zip(fig["hopper"], fig["raw"])]
    for c, x in zip(cols, r): ratios[step][c].append(x)
    t, load = loads.get((step, pair), ("?", "?"))
    rows.append(f"| {step} | {pair} | {t} | {load} | " + " | ".join(f"{int(h):,} / {int(w):,} = {x:.2f}×" for h, w, x in zip(fig['hopper'], fig['raw'], r)) + " |")
print("| step | pair | start (UTC) | load (1 min) | " + " | ".join(cols) + " |")
print("| --- | --- | --- | --- | " + " | ".join("---" for _ in cols) + " |")
print("\n".join(rows))
print()
print("| step | runs | " + " | ".join(f"{c}: median ÷ raw (min–max)" for c in cols) + " |")
print("| --- | --- | " + " | ".join("---" for _ in cols) + " |")
for step in ["one", "two"]:
    n = len(ratios[step][cols[0]])
    if n: print(f"| {step} | {n} | " + " | ".join(f"{statistics.median(v):.2f}× ({min(v):.2f}–{max(v):.2f})" for v in ratios[step].values()) + " |")
