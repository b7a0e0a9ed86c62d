# Per-run drain medians (and each run's samples) of ab-bench.sh output folders: python3 bench-summary.py <dir>
import json, glob, os, statistics, sys
res = {}
for d in sorted(glob.glob(sys.argv[1] + "/*")):
    side = os.path.basename(d).split("-")[0]
    j = json.load(open(glob.glob(d + "/run-*.json")[0]))
    for p in j["subjects"][0]["drain"]:
        res.setdefault((p["concurrency"], side), []).append(round(p["rate"]["summary"]["median"]))
for (c, side), rates in sorted(res.items()):
    print(f"c={c} {side}: run medians {rates}, median {statistics.median(rates):,.0f}")
