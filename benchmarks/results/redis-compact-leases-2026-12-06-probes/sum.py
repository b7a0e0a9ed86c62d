"""Per pair: compact ÷ message for Hopper's drain, and Hopper ÷ raw within each run; medians over the pairs."""
import json, pathlib, statistics, sys

out = pathlib.Path(sys.argv[1])

def rates(run):
    # A run's directory as pairs.sh leaves it, or its JSON copied beside the others (<pair>-<mode>.json).
    path = run / "latest.json" if run.is_dir() else run.with_suffix(".json")
    run = json.loads(path.read_text())
    figures = {}
    for subject in run["subjects"]:
        for point in subject.get("drain", []):
            figures[(subject["spec"]["kind"], point["concurrency"])] = point["rate"]["summary"]["median"]
    return run["hopperRedisLeases"], figures

pairs = sorted({int(path.name.split("-")[0]) for path in out.iterdir() if path.is_dir() or path.suffix == ".json"})
rows = {c: {"compact/message": [], "message/raw": [], "compact/raw": []} for c in (10, 50)}
for pair in pairs:
    mode_m, message = rates(out / f"{pair}-message")
    mode_c, compact = rates(out / f"{pair}-compact")
    assert (mode_m, mode_c) == ("message", "compact"), (mode_m, mode_c)
    for c in (10, 50):
        rows[c]["compact/message"].append(compact[("hopper", c)] / message[("hopper", c)])
        rows[c]["message/raw"].append(message[("hopper", c)] / message[("raw", c)])
        rows[c]["compact/raw"].append(compact[("hopper", c)] / compact[("raw", c)])
        print(f"pair {pair} c={c}: hopper message {message[('hopper', c)]:.0f} compact {compact[('hopper', c)]:.0f}; raw {message[('raw', c)]:.0f} / {compact[('raw', c)]:.0f}")
for c, ratios in rows.items():
    for name, values in ratios.items():
        print(f"c={c} {name}: median {statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f}, n {len(values)})")
