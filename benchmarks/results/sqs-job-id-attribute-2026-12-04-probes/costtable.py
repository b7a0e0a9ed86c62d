# python3 costtable.py  (reads /tmp/sqsid/cost.log written by cost.sh)
import re
rows = []; cur = None
for line in open("/tmp/sqsid/cost.log"):
    m = re.match(r"== step (\w+) round (\d+) (\w+) (\S+) load (\S+)", line)
    if m: cur = (m[1], m[2], m[3], m[5]); continue
    if line.startswith("=="): cur = None; continue
    m = re.match(r"(enqueue bulk \(calls of 100\) \[c=(\d+)\]|drain c=(\d+)): node CPU ([\d.]+) .*sqs emulator CPU ([\d.]+)", line)
    if m and cur:
        what = f"bulk c={m[2]}" if m[2] else f"drain c={m[3]}"
        if cur[2] == "drain" and what.startswith("bulk"): continue  # the drain run's own fill
        rows.append((cur[0], cur[1], cur[3], what, m[4], m[5]))
print("| step | round | load | " + " | ".join(["bulk c=1", "bulk c=10", "bulk c=50", "drain c=1", "drain c=10", "drain c=50"]) + " |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
keys = {}
for s, r, load, what, node, emu in rows: keys.setdefault((r, s), {"load": load})[what] = f"{node} / {emu}"
for (r, s), v in sorted(keys.items()):
    load = v.pop("load"); print(f"| {s} | {r} | {load} | " + " | ".join(v.get(k, "–") for k in ["bulk c=1", "bulk c=10", "bulk c=50", "drain c=1", "drain c=10", "drain c=50"]) + " |")
