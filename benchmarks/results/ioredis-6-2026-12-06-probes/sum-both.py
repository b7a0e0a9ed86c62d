# Summarises both-pairs.sh output: per tree (io6 = ioredis 6, io5 = ioredis 5), per pair Hopper and the other subject's
# medians and Hopper ÷ it; medians over pairs. Usage: sum-both.py <single.txt|drain.txt>
import re, statistics as st, sys
rows = {}; tree = None; cur = None
def num(cell): return int(cell.strip().split(" ")[0].replace(",", ""))
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"@@@ (\S+)", line)
    if m: tree = m.group(1); continue
    m = re.match(r"### pair (\d+) order (\S+) (\S+) load (\S+)", line)
    if m: cur = {"i": int(m.group(1)), "order": m.group(2), "at": m.group(3), "load": m.group(4)}; rows.setdefault(tree, []).append(cur); continue
    m = re.match(r"\| \*\*redis/(hopper|bullmq|raw)\*\* \|", line)
    if m and cur is not None:
        cells = line.split("|")[1:]
        cur[m.group(1)] = [num(c) for c in cells[2:] if re.match(r"\s*[\d,]+", c)]
for tree, pairs in sorted(rows.items()):
    other = "bullmq" if "bullmq" in pairs[0] else "raw"
    cols = ["single", "bulk"] if other == "bullmq" else ["c=10", "c=50"]
    print(f"\n## ioredis {tree[2]} ({tree}), Hopper ÷ {other}")
    print("| pair | start | load | order | " + " | ".join(f"Hopper {c} | {other} {c} | ÷" for c in cols) + " |")
    ratios = [[] for _ in cols]; hop = [[] for _ in cols]; oth = [[] for _ in cols]
    for p in pairs:
        if "hopper" not in p or other not in p: print(f"| {p['i']} | {p['at']} | incomplete |"); continue
        cells = []
        for k in range(len(cols)):
            h, o = p["hopper"][k], p[other][k]; ratios[k].append(h / o); hop[k].append(h); oth[k].append(o)
            cells.append(f"{h:,} | {o:,} | {h / o:.2f}")
        print(f"| {p['i']} | {p['at']} | {p['load']} | {p['order']} | " + " | ".join(cells) + " |")
    for k, c in enumerate(cols):
        print(f"{c}: Hopper ÷ {other} median of {len(ratios[k])} pairs {st.median(ratios[k]):.2f} ({min(ratios[k]):.2f}–{max(ratios[k]):.2f}); Hopper {st.median(hop[k]):,.0f}, {other} {st.median(oth[k]):,.0f} jobs/s")
