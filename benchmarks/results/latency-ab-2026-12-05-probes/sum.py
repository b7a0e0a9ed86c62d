import re,sys,statistics as st
cur=None; data={}
for line in open(sys.argv[1]):
    m=re.match(r'== (\S+) load=(\S+) pair=(\d+) side=(\w+) backend=(\w+)',line)
    if m: cur=(m.group(5),m.group(4)); data.setdefault(cur,[]); continue
    m=re.match(r'round (\d+): .*p50 ([\d.]+) p95 ([\d.]+) p99 ([\d.]+) max ([\d.]+) ms; gc (\d+) pauses ([\d.]+) ms',line)
    if m and cur: data[cur].append((int(m.group(1)),float(m.group(2)),float(m.group(4)),float(m.group(5)),int(m.group(6)),float(m.group(7))))
for key in sorted(data):
    rows=data[key]
    p99=[r[2] for r in rows]; p50=[r[1] for r in rows]; gcn=[r[4] for r in rows]; gct=[r[5] for r in rows]
    print(f"{key[0]:6} {key[1]:5} rounds={len(rows)} p50 median {st.median(p50):.1f}  p99 median {st.median(p99):.1f} (min {min(p99):.1f}, max {max(p99):.1f})  gc pauses/round median {st.median(gcn)}  gc ms/round median {st.median(gct):.1f}")
    print("      p99 by round:", " ".join(f"{x:.1f}" for x in p99))
