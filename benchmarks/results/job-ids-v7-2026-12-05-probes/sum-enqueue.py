import re, sys, statistics as st
# Medians per side and column of `ab.sh enqueue`'s output: jobs/s, server CPU µs/job, WAL B/job.
rows = {}
side = None
for line in open(sys.argv[1]):
    m = re.match(r"### side=(\w+)", line)
    if m: side = m.group(1); continue
    m = re.search(r"enqueue (bulk|single): \d+ jobs, (\d+) jobs/s .*node CPU ([\d.]+) µs/job; server CPU ([\d.]+) µs/job; WAL (\d+) B/job", line)
    if m: rows.setdefault((side, m.group(1)), []).append(dict(jobs_s=int(m.group(2)), node=float(m.group(3)), server=float(m.group(4)), wal=int(m.group(5))))
for (side, column), runs in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    f = lambda k: f"median {st.median(r[k] for r in runs):,.1f} ({', '.join(format(r[k], ',') for r in runs)})"
    print(f"{column} {side}: {len(runs)} runs\n  jobs/s {f('jobs_s')}\n  server CPU µs/job {f('server')}\n  node CPU µs/job {f('node')}\n  WAL B/job {f('wal')}")
