#!/usr/bin/env python3
"""Summarises ab.sh bench output: python3 bench-summary.py bench-postgres-ab.txt
Per concurrency: median over pairs of each side's bench median, (min–max), and B ÷ A per pair (median, B ahead)."""
import re, statistics as st, sys
rows, pair, side, load = {}, None, None, {}
for line in open(sys.argv[1]):
    m = re.match(r"### pair (\d+) ([AB]) \S+ load (\S+)", line)
    if m: pair, side = int(m[1]), m[2]; load[(pair, side)] = m[3]; continue
    if line.startswith("| **"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[(pair, side)] = [int(c.split()[0].replace(",", "")) for c in cells[-3:]]
pairs = sorted({p for p, _ in rows if (p, "A") in rows and (p, "B") in rows})
print("| drain | A median (min–max) | B median (min–max) | B ÷ A, median of pairs (min–max) | B ahead |")
print("|---|---|---|---|---|")
for i, c in enumerate((1, 10, 50)):
    a = [rows[(p, "A")][i] for p in pairs]; b = [rows[(p, "B")][i] for p in pairs]
    r = [y / x for x, y in zip(a, b)]
    print(f"| c={c} | {st.median(a):,.0f} ({min(a):,}–{max(a):,}) | {st.median(b):,.0f} ({min(b):,}–{max(b):,}) | {st.median(r):.2f} ({min(r):.2f}–{max(r):.2f}) | {sum(x > 1 for x in r)} of {len(r)} |")
print()
print("| pair | A start load | A c=1 / 10 / 50 | B start load | B c=1 / 10 / 50 | B ÷ A |")
print("|---|---|---|---|---|---|")
for p in pairs:
    a, b = rows[(p, "A")], rows[(p, "B")]
    print(f"| {p} | {load[(p, 'A')]} | {' / '.join(f'{x:,}' for x in a)} | {load[(p, 'B')]} | {' / '.join(f'{x:,}' for x in b)} | {' / '.join(f'{y / x:.2f}' for x, y in zip(a, b))} |")
