# Summarises pairs.sh's output: per pair Hopper and BullMQ single / bulk enqueue medians and Hopper ÷ BullMQ; medians over pairs.
import re, statistics as st, sys
pairs = []; cur = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"### pair (\d+) order (\S+) (\S+) load (\S+)", line)
    if m:
        if cur: pairs.append(cur)
        cur = {"i": int(m.group(1)), "order": m.group(2), "at": m.group(3), "load": m.group(4)}; continue
    if "redis/hopper" in line or "redis/bullmq" in line:
        cells = [c.strip() for c in line.split("|")[1:-1]]
        key = "hopper" if "hopper" in cells[0] else "bullmq"
        cur[key] = (int(cells[2].split(" ")[0].replace(",", "")), int(cells[3].split(" ")[0].replace(",", "")))
pairs.append(cur)
print("| pair | start | load | order | Hopper single | BullMQ single | ÷ | Hopper bulk | BullMQ bulk | ÷ |")
print("|---|---|---|---|---|---|---|---|---|---|")
single, bulk = [], []
for p in pairs:
    rs = p["hopper"][0] / p["bullmq"][0]; rb = p["hopper"][1] / p["bullmq"][1]
    single.append(rs); bulk.append(rb)
    print(f"| {p['i']} | {p['at']} | {p['load']} | {p['order']} | {p['hopper'][0]:,} | {p['bullmq'][0]:,} | {rs:.2f} | {p['hopper'][1]:,} | {p['bullmq'][1]:,} | {rb:.2f} |")
print(f"\nHopper ÷ BullMQ, median of pairs (min–max): single {st.median(single):.2f} ({min(single):.2f}–{max(single):.2f}), bulk {st.median(bulk):.2f} ({min(bulk):.2f}–{max(bulk):.2f})")
print(f"medians: Hopper single {st.median([p['hopper'][0] for p in pairs]):,.0f}, BullMQ single {st.median([p['bullmq'][0] for p in pairs]):,.0f}")
