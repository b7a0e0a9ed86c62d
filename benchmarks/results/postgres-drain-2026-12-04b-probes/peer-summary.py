# python3 peer-summary.py <postgres-drain-profile.ts outputs…>: medians per subject and concurrency
import re,sys,statistics as st,collections
d=collections.defaultdict(lambda: collections.defaultdict(list))
for f in sys.argv[1:]:
    lib=None
    for line in open(f):
        m=re.match(r'(hopper|pg-boss) drain c=(\d+): (\d+) jobs, (\d+) jobs/s',line)
        if m: lib=m.group(1); c=int(m.group(2)); jobs=int(m.group(3)); d[(lib,c)]['rate'].append(int(m.group(4))); continue
        m=re.search(r'node CPU ([\d.]+) µs/job; server CPU ([\d.]+) µs/job; WAL (\d+) B/job',line)
        if m: d[(lib,c)]['node'].append(float(m.group(1))); d[(lib,c)]['server'].append(float(m.group(2))); d[(lib,c)]['wal'].append(int(m.group(3))); continue
        m=re.search(r'(\d+) fetches \(mean ([\d.]+) ms\), (\d+) completions \(mean ([\d.]+) ms\), (\d+) others',line)
        if m: d[(lib,c)]['stmts'].append((int(m.group(1))+int(m.group(3))+int(m.group(5)))/jobs); d[(lib,c)]['fetches'].append(int(m.group(1))/jobs); d[(lib,c)]['fetchms'].append(float(m.group(2)))
print("| per drained job (medians of runs; min–max) | " + " | ".join(f"{l} c={c}" for l in ("hopper","pg-boss") for c in (1,10,50)) + " |")
print("|---|" + "---|"*6)
for key,label,fmt in [('node','Node CPU µs','{:.1f}'),('server','server CPU µs','{:.1f}'),('wal','WAL B','{:.0f}'),('stmts','statements','{:.4f}'),('fetches','fetch statements','{:.4f}'),('fetchms','fetch round trip ms (mean)','{:.1f}'),('rate','wall jobs/s (noise-marked)','{:,.0f}')]:
    cells=[]
    for l in ("hopper","pg-boss"):
        for c in (1,10,50):
            v=d[(l,c)][key]
            cells.append((fmt.format(st.median(v))+f" ({fmt.format(min(v))}–{fmt.format(max(v))})") if v else "?")
    print(f"| {label} | " + " | ".join(cells) + " |")
print()
for c in (1,10,50):
    h=d[('hopper',c)]; p=d[('pg-boss',c)]
    print(f"c={c}: Node CPU hopper÷pg-boss {st.median(h['node'])/st.median(p['node']):.2f}, server {st.median(h['server'])/st.median(p['server']):.2f}, node+server {(st.median(h['node'])+st.median(h['server']))/(st.median(p['node'])+st.median(p['server'])):.2f}")
