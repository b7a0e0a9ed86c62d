"""Per pair: Hopper compact ÷ full envelopes, and Hopper ÷ raw within each run, for SQS single and bulk enqueue;
medians over the pairs. Reads pairs.sh's run directories, or their JSON copied beside them (<pair>-<mode>.json)."""
import json, pathlib, statistics, sys

out = pathlib.Path(sys.argv[1])

def rates(run):
    path = run / "latest.json" if run.is_dir() else run.with_suffix(".json")
    data = json.loads(path.read_text())
    figures = {}
    for subject in data["subjects"]:
        for column in ("enqueueSingle", "enqueueBulk"):
            figures[(subject["spec"]["kind"], column)] = subject[column]["summary"]["median"]
    return data["hopperEnvelopes"], figures

pairs = sorted({int(path.name.split("-")[0]) for path in out.iterdir() if path.is_dir() or path.suffix == ".json"})
ratios = {column: {"compact/full": [], "full/raw": [], "compact/raw": []} for column in ("enqueueSingle", "enqueueBulk")}
for pair in pairs:
    mode_f, full = rates(out / f"{pair}-full")
    mode_c, compact = rates(out / f"{pair}-compact")
    assert (mode_f, mode_c) == ("full", "compact"), (mode_f, mode_c)
    for column in ratios:
        ratios[column]["compact/full"].append(compact[("hopper", column)] / full[("hopper", column)])
        ratios[column]["full/raw"].append(full[("hopper", column)] / full[("raw", column)])
        ratios[column]["compact/raw"].append(compact[("hopper", column)] / compact[("raw", column)])
        print(f"pair {pair} {column}: hopper full {full[('hopper', column)]:.0f} compact {compact[('hopper', column)]:.0f}; raw {full[('raw', column)]:.0f} / {compact[('raw', column)]:.0f}")
for column, named in ratios.items():
    for name, values in named.items():
        print(f"{column} {name}: median {statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f}, n {len(values)})")
