# Prints the figures of ../latency-split-2026-12-05.md from the run JSON files the bench wrote (every run, in order).
# python3 benchmarks/results/latency-split-2026-12-05-probes/figures.py [results dir]
import glob, json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "latency-split-2026-12-05")
runs = sorted(glob.glob(os.path.join(folder, "run-*.json")))
print("| run | layout | subject | highest sustained | at half: offered | p50 | p95 | p99 | max | started / offered | fixed-rate run p99 |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for path in runs:
    run = json.load(open(path))
    layout = run["plan"]["latency"].get("worker", "same")
    for subject in run["subjects"]:
        search = subject.get("rateSearch") or {}
        half = search.get("atHalf")
        fixed = subject.get("latency")
        cells = [os.path.basename(path)[4:-5], layout, subject["spec"]["id"], str(search.get("highestSustained"))]
        if half:
            lat = half["latency"]
            cells += [str(half["offeredRate"]), *(f"{lat[k]:.1f} ms" for k in ("p50", "p95", "p99", "max")), f"{half['received']} / {half['offered']}"]
        else:
            cells += ["–"] * 6
        cells.append(f"{fixed['latency']['p99']:.1f} ms" if fixed else "–")
        print("| " + " | ".join(cells) + " |")
        for note in subject.get("notes", []):
            print(f"  note ({subject['spec']['id']}): {note}")
        steps = "; ".join(f"{s['offeredRate']}: {s['latency']['p99']:.1f} ms{'' if s['sustained'] else ' (not sustained)'}" for s in search.get("steps", []))
        print(f"  steps ({subject['spec']['id']}, {layout}): {steps}")
