# python3 cpu.py /tmp/sqsid/cpu-v1.log|cpu-v2.log  (sqs-client-cpu.ts output written by cpu.sh)
import re, sys, statistics
for path in sys.argv[1:]:
    rows = {"one": [], "two": []}; cur = None
    for line in open(path):
        m = re.match(r"== step (\w+) round (\d+) (\S+) load (\S+)", line)
        if m: cur = {"step": m[1], "round": m[2], "time": m[3], "load": m[4]}; rows[m[1]].append(cur); continue
        m = re.match(r"(raw|hopper)\s+median ([\d.]+) µs/job (.*)", line)
        if m and cur is not None: cur[m[1]] = float(m[2]); cur[m[1] + "all"] = m[3]
    print(path)
    print("| step | round | start | load | raw median (7 runs) | Hopper median (7 runs) | Hopper − raw | Hopper ÷ raw |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for i in range(max(len(rows["one"]), len(rows["two"]))):
        for s in ["one", "two"]:
            if i < len(rows[s]) and "hopper" in rows[s][i]:
                r = rows[s][i]; print(f"| {s} | {r['round']} | {r['time']} | {r['load']} | {r['raw']} ({r['rawall']}) | {r['hopper']} ({r['hopperall']}) | {r['hopper']-r['raw']:.1f} | {r['hopper']/r['raw']:.2f} |")
    for s in ["one", "two"]:
        rs = [r for r in rows[s] if "hopper" in r]
        if rs: print(f"step {s}: median of Hopper medians {statistics.median(r['hopper'] for r in rs):.1f} µs/job, of raw {statistics.median(r['raw'] for r in rs):.1f}, of Hopper−raw {statistics.median(r['hopper']-r['raw'] for r in rs):.1f}, of ÷ {statistics.median(r['hopper']/r['raw'] for r in rs):.2f}")
