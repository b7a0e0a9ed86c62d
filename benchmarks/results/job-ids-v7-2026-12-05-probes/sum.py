import re, sys, statistics as st
# Medians per side (and column) of ab.sh's, drain-off.sh's and listed-ab.sh's output: jobs/s, server and Node CPU
# µs/job, WAL B/job. `python3 sum.py <out.txt>`
DRAIN = re.compile(r"drain c=\d+: \d+ jobs, (\d+) jobs/s")
ENQUEUE = re.compile(r"enqueue (bulk|single): \d+ jobs, (\d+) jobs/s")
COST = re.compile(r"node CPU ([\d.]+) µs/job;.*?server CPU ([\d.]+) µs/job; WAL (\d+) B/job")
rows, side, column = {}, None, None
for line in open(sys.argv[1]):
    if m := re.match(r"### side=(\w+)", line):
        side = m.group(1)
        continue
    if m := DRAIN.search(line):
        column, jobs = "drain", int(m.group(1))
    elif m := ENQUEUE.search(line):
        column, jobs = m.group(1), int(m.group(2))
    else:
        jobs = None
    if jobs is not None:
        rows.setdefault((column, side), []).append({"jobs_s": jobs})
    if m := COST.search(line):
        rows[(column, side)][-1].update(node=float(m.group(1)), server=float(m.group(2)), wal=int(m.group(3)))
for (column, side), runs in rows.items():
    f = lambda k: f"median {st.median(r[k] for r in runs):,.1f} ({', '.join(format(r[k], ',') for r in runs)})"
    print(f"{column} {side}: {len(runs)} runs\n  jobs/s {f('jobs_s')}\n  server CPU µs/job {f('server')}\n  node CPU µs/job {f('node')}\n  WAL B/job {f('wal')}")
