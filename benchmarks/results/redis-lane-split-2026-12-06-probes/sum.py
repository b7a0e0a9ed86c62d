import re,sys,statistics as st
cur=None; d={}
for line in open(sys.argv[1]):
    m=re.match(r"@@@ split=(\d+) pair=(\d+)",line)
    if m: cur=(m[1],int(m[2])); d.setdefault(cur,[]); continue
    m=re.search(r"(\d+) jobs/s, node CPU ([\d.]+)",line)
    if m and cur: d[cur].append((int(m[1]),float(m[2])))
splits=sorted({k[0] for k in d})
pairs=sorted({k[1] for k in d})
ratios=[]
for s in splits:
    rates=[st.median([r for r,_ in d[(s,p)][1:]]) for p in pairs if (s,p) in d]
    cpus=[st.median([c for _,c in d[(s,p)][1:]]) for p in pairs if (s,p) in d]
    print(f"split={s}: rate median {st.median(rates):.0f} (runs {sorted(rates)}), cpu µs/job median {st.median(cpus):.1f}")
a,b=splits[0],splits[-1]
rs=[st.median([r for r,_ in d[(b,p)][1:]])/st.median([r for r,_ in d[(a,p)][1:]]) for p in pairs if (a,p) in d and (b,p) in d]
print(f"split={b} ÷ split={a} per pair: median {st.median(rs):.2f}, {sum(r>1 for r in rs)} of {len(rs)} above 1; {[round(r,2) for r in rs]}")
