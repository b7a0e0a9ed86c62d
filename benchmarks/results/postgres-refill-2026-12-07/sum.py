#!/usr/bin/env python3
# B ÷ A per pair and drain concurrency from pairs.sh's folders (<out>/A-<i>/full-latest.md, <out>/B-<i>/…).
import re, statistics, sys, pathlib
out = pathlib.Path(sys.argv[1])
def rates(folder):
    for line in (folder / "full-latest.md").read_text().splitlines():
        if line.startswith("| **postgres/hopper** |") and "jobs/s" not in line:
            cells = [cell.strip() for cell in line.split("|")[1:-1]]
            return [float(re.match(r"[\d,]+", cells[-index]).group().replace(",", "")) for index in (3, 2, 1)]
pairs = sorted(int(p.name[2:]) for p in out.glob("A-*") if (out / f"B-{p.name[2:]}" / "full-latest.md").exists())
ratios = {c: [] for c in (1, 10, 50)}
print("| pair | first | A c=1 / 10 / 50 | B c=1 / 10 / 50 | B ÷ A |")
print("|---|---|---|---|---|")
for pair in pairs:
    a, b = rates(out / f"A-{pair}"), rates(out / f"B-{pair}")
    for c, x, y in zip((1, 10, 50), a, b): ratios[c].append(y / x)
    print(f"| {pair} | {'A' if pair % 2 else 'B'} | {' / '.join(f'{x:,.0f}' for x in a)} | {' / '.join(f'{y:,.0f}' for y in b)} | {' / '.join(f'{y / x:.2f}' for x, y in zip(a, b))} |")
for c, values in ratios.items():
    if values: print(f"c = {c}: B ÷ A median {statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f}), B ahead in {sum(v > 1 for v in values)} of {len(values)}")
