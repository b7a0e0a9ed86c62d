# Hopper on ioredis 6 against the other subject on ioredis 5, pair by pair (the two runs of a pair ran back to back):
# what the goal ratios read had the peers stayed on the faster 5.x client. Usage: cross-ratios.py <pairs-*.txt>
import re, statistics as st, sys
runs = {}; tree = None; cur = None
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"@@@ (\S+)", line)
    if m: tree = m.group(1); continue
    m = re.match(r"### pair (\d+)", line)
    if m: cur = runs.setdefault((tree, int(m.group(1))), {}); continue
    m = re.match(r"\| \*\*redis/(hopper|bullmq|raw)\*\* \|", line)
    if m and cur is not None:
        cur[m.group(1)] = [int(c.strip().split(" ")[0].replace(",", "")) for c in line.split("|")[3:] if re.match(r"\s*[\d,]+", c)]
other = "bullmq" if any("bullmq" in r for r in runs.values()) else "raw"
cols = ["single", "bulk"] if other == "bullmq" else ["c=10", "c=50"]
for k, c in enumerate(cols):
    ratios = [runs[("io6", i)]["hopper"][k] / runs[("io5", i)][other][k] for i in sorted({i for _, i in runs}) if ("io6", i) in runs and ("io5", i) in runs]
    print(f"{c}: Hopper (ioredis 6) ÷ {other} (ioredis 5), pair by pair, median of {len(ratios)} {st.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})")
