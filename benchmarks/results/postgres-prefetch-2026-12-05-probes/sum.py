import re,sys,statistics as st
rows={}
cur=None
for line in open(sys.argv[1]):
    m=re.match(r"### round (\d+) prefetch (\d+)",line)
    if m: cur=int(m.group(2)); continue
    m=re.match(r"hopper drain c=(\d+): \d+ jobs, (\d+) jobs/s",line)
    if m: c=int(m.group(1)); rows.setdefault((cur,c),{}).setdefault('rate',[]).append(int(m.group(2))); last=(cur,c); continue
    m=re.search(r"node CPU ([\d.]+) µs/job; server CPU ([\d.]+) µs/job",line)
    if m: rows[last].setdefault('node',[]).append(float(m.group(1))); rows[last].setdefault('server',[]).append(float(m.group(2)))
for c in (1,10,50):
    for p in (200,500,1000):
        r=rows.get((p,c))
        if not r: continue
        print(f"c={c:<3} prefetch {p:<5} jobs/s median {st.median(r['rate']):>8.0f} ({min(r['rate'])}-{max(r['rate'])})  node {st.median(r['node']):5.1f}  server {st.median(r['server']):5.1f}  n={len(r['rate'])}")
