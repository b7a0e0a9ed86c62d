# Medians of the bench's Pub/Sub Hopper row per side, and the median of after ÷ before per round: bench-ab-sum.py <out dir>
import glob, os, statistics, sys
out = sys.argv[1]
cols = ["enqueue single", "enqueue bulk", "drain c=1", "drain c=10", "drain c=50"]
def figures(path):
    md = open(glob.glob(os.path.join(path, "run-*.md"))[0]).read()
    line = next(l for l in md.splitlines() if l.startswith("| **pubsub/hopper**"))
    cells = [c.strip() for c in line.split("|")[3:8]]
    return [float(c.split(" ")[0].replace(",", "")) for c in cells]
sides = {"before": [], "after": []}
rounds = sorted({int(p.split("-")[-1]) for p in glob.glob(os.path.join(out, "before-*")) if os.path.isdir(p)})
for r in rounds:
    for side in sides:
        sides[side].append(figures(os.path.join(out, f"{side}-{r}")))
for i, col in enumerate(cols):
    b = [f[i] for f in sides["before"]]; a = [f[i] for f in sides["after"]]
    ratios = [x / y for x, y in zip(a, b)]
    print(f"{col}: before median {statistics.median(b):,.0f}, after median {statistics.median(a):,.0f} jobs/s; after ÷ before per round median {statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}), n={len(ratios)}")
