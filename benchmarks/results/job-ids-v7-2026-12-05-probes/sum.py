import re, sys, statistics as st
# Medians per side of drain-ab.sh's output: jobs/s, server CPU µs/job, WAL B/job.
rows = {}
side = None
for line in open(sys.argv[1]):
    m = re.match(r"### side=(\w+)", line)
    if m: side = m.group(1); continue
    m = re.search(r"(\d+) jobs/s", line)
    if m: rows.setdefault(side, []).append({"jobs_s": int(m.group(1))}); continue
    m = re.search(r"node CPU ([\d.]+) µs/job; server CPU ([\d.]+) µs/job; WAL (\d+) B/job", line)
    if m: rows[side][-1].update(node=float(m.group(1)), server=float(m.group(2)), wal=int(m.group(3)))
for side, runs in rows.items():
    f = lambda k: f"median {st.median(r[k] for r in runs):,.1f} ({', '.join(format(r[k], ',') for r in runs)})"
    print(f"{side}: {len(runs)} runs\n  jobs/s {f('jobs_s')}\n  server CPU µs/job {f('server')}\n  node CPU µs/job {f('node')}\n  WAL B/job {f('wal')}")
