# Medians of `ab.sh cost` figures per code and records setting.   python3 cost-sum.py <its out file>
import re, statistics, sys
rows = {}
head = None
for line in open(sys.argv[1]):
    m = line.startswith("##") and re.search(r"round=(\d+) code=(\w+)\(\w+\) records=(\w+)", line)
    if m:
        head = (m.group(2), m.group(3)); continue
    m = re.match(r"(enqueue single|enqueue bulk|drain c=10).*?node CPU ([\d.]+) .*postgres server CPU ([\d.]+) µs/job; postgres WAL (\d+) B/job", line)
    if m and head:
        rows.setdefault((m.group(1),) + head, []).append((float(m.group(2)), float(m.group(3)), int(m.group(4))))
print("| column | code | records | node CPU µs/job, median (runs) | server CPU µs/job, median (runs) | WAL B/job, median (runs) |")
print("|---|---|---|---|---|---|")
for key in sorted(rows, key=lambda k: (k[0], k[1], k[2])):
    runs = rows[key]
    cell = lambda i, fmt: f"{fmt(statistics.median(r[i] for r in runs))} ({', '.join(fmt(r[i]) for r in runs)})"
    print(f"| {key[0]} | {key[1]} | {key[2]} | {cell(0, lambda v: f'{v:.1f}')} | {cell(1, lambda v: f'{v:.1f}')} | {cell(2, lambda v: f'{v:.0f}')} |")
