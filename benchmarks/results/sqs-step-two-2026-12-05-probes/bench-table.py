"""Reads bench-pairs.sh's log (argv[1]) and each run's /tmp/sqsid2/<side>-<n>/latest.md; prints one row per run (load
at its start, Hopper and raw medians per column, Hopper ÷ raw) and per side the median and min-max of the ratios.
   python3 benchmarks/results/sqs-step-two-2026-12-05-probes/bench-table.py /tmp/sqsid2/pairs.log"""
import re, statistics, sys

columns = ["enqueue single", "enqueue bulk", "drain c=1", "drain c=10", "drain c=50"]
starts = [re.match(r"== (\w+) (\d+) start (\S+) load (\S+)", line) for line in open(sys.argv[1])]
ratios = {"main": [], "branch": []}
print("| side | pair | start (UTC) | load (1 min) | " + " | ".join(columns) + " |")
print("| --- | --- | --- | --- | " + " | ".join("---" for _ in columns) + " |")
for start in filter(None, starts):
    side, pair, at, load = start.groups()
    try:
        text = open(f"/tmp/sqsid2/{side}-{pair}/latest.md").read()
    except FileNotFoundError:
        continue
    figures = {}
    for who in ["hopper", "raw"]:
        row = next(line for line in text.splitlines() if line.startswith(f"| **sqs/{who}**") and line.count("|") == 8)
        figures[who] = [float(re.match(r"[\d,.]+", cell.strip())[0].replace(",", "")) for cell in row.split("|")[3:8]]
    # The report's own ratios (from unrounded medians, with the marks of either side's figure).
    cells = [cell.strip() for cell in next(line for line in text.splitlines() if line.startswith("| sqs | sqs/raw")).split("|")[3:8]]
    ratios[side].append([float(cell.split("×")[0]) for cell in cells])
    print(f"| {side} | {pair} | {at} | {load} | " + " | ".join(f"{int(h):,} / {int(r):,} = {cell}" for h, r, cell in zip(figures["hopper"], figures["raw"], cells)) + " |")
print()
print("| side | runs | " + " | ".join(f"{column}: median (min–max)" for column in columns) + " |")
print("| --- | --- | " + " | ".join("---" for _ in columns) + " |")
for side, runs in ratios.items():
    if runs:
        print(f"| {side} | {len(runs)} | " + " | ".join(f"{statistics.median(values):.2f}× ({min(values):.2f}–{max(values):.2f})" for values in zip(*runs)) + " |")
