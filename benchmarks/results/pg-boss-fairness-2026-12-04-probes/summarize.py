# Per run: each subject's medians and samples, and Hopper ÷ each peer per column.
# Command: python3 benchmarks/results/pg-boss-fairness-2026-12-04-probes/summarize.py benchmarks/results/pg-boss-fairness-2026-12-04/run-*.json
import json, sys, statistics
cols = ["enqueue single", "enqueue bulk", "drain c=1", "drain c=10", "drain c=50"]
def figures(subject):
    out = {"enqueue single": subject["enqueueSingle"], "enqueue bulk": subject["enqueueBulk"]}
    for point in subject["drain"]:
        out[f"drain c={point['concurrency']}"] = point["rate"]
    return out
ratios = {}
for path in sys.argv[1:]:
    run = json.load(open(path))
    print(f"\n{path.split('/')[-1]} (started {run['startedAt']})")
    by = {s["spec"]["library"]: figures(s) for s in run["subjects"] if s["status"] == "ok"}
    for lib, figs in by.items():
        print(f"  {lib:16}", " | ".join(f"{c}: {figs[c]['summary']['median']:,.0f} [{', '.join(f'{x:,.0f}' for x in figs[c]['samples'])}]" for c in cols))
    for peer in ("pg-boss", "graphile-worker"):
        if "hopper" in by and peer in by:
            r = [by["hopper"][c]["summary"]["median"] / by[peer][c]["summary"]["median"] for c in cols]
            ratios.setdefault(peer, []).append(r)
            print(f"  hopper ÷ {peer:16}", " | ".join(f"{x:.2f}×" for x in r))
for peer, rows in ratios.items():
    print(f"\nmedian of runs, hopper ÷ {peer}:", " | ".join(f"{statistics.median(col):.2f}× ({min(col):.2f}–{max(col):.2f})" for col in zip(*rows)))
