# Sums prefetch-all.sh's output: per round, 1000 ÷ 200 at each concurrency; medians.
import re, sys, statistics as st
runs = {}
for line in open(sys.argv[1]):
    m = re.match(r"round (\d+) prefetch (\d+) \S+ load \S+\s+(.*)", line)
    if not m: continue
    cells = [int(c.strip().split(" ")[0].replace(",", "")) for c in m.group(3).split("|")]
    runs.setdefault(int(m.group(1)), {})[int(m.group(2))] = cells
a, b = sys.argv[2:4] if len(sys.argv) > 3 else ("1000", "200")
ratios = [[], [], []]
for r, by in sorted(runs.items()):
    if int(a) not in by or int(b) not in by: continue
    row = [by[int(a)][i] / by[int(b)][i] for i in range(3)]
    for i in range(3): ratios[i].append(row[i])
    print(f"round {r}: " + " ".join(f"{x:.2f}" for x in row))
for i, c in enumerate([1, 10, 50]):
    xs = ratios[i]
    print(f"c={c}: {a} ÷ {b} median {st.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f}), ahead in {sum(x > 1 for x in xs)} of {len(xs)}; medians {st.median([runs[r][int(a)][i] for r in runs if int(a) in runs[r]]):,.0f} vs {st.median([runs[r][int(b)][i] for r in runs if int(b) in runs[r]]):,.0f}")
