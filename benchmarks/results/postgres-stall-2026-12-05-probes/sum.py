# python3 sum.py <probe.txt>...: one line per run: when, load, jobs the server had taken before it, and per round
# started/enqueued, p50 / p99 (ms); "STALL" when a round started fewer than all its jobs.
import re, sys
for path in sys.argv[1:]:
    run = None
    def flush():
        if run:
            flag = "  STALL" if any(r[0] < r[1] for r in run["rounds"]) else ""
            rounds = "  ".join(f"{s}/{t} {p50}/{p99}" for s, t, p50, p99 in run["rounds"])
            print(f"{run['label']:>7} {run['at']} load {run['load']:<5} taken {run['taken']:>9}  {rounds}{flag}")
    for line in open(path):
        m = re.match(r"== (\S+) (?:run=)?(\S+) load=([\d.]+)\S*\s*(?:taken=(\d+))?", line)
        if m:
            flush()
            run = {"at": m.group(1)[:8], "label": m.group(2), "load": m.group(3), "taken": m.group(4) or "0", "rounds": []}
            continue
        m = re.match(r"round \d+.*?: (\d+)/(\d+) started.*?p50 (\S+) p95 \S+ p99 (\S+)", line)
        if m and run:
            run["rounds"].append((int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)))
    flush()
