# python3 probe-ab-summary.py wait-after-receive-probe-ab.txt (or prefetch-200-vs-1000-probe-ab.txt): medians of interleaved postgres-drain-profile.ts pairs, A against B
import re,sys,statistics as st
cur=None; data={}
for line in open(sys.argv[1]):
    m=re.match(r'### pair (\d+) (\w) \S+ load (\S+)',line)
    if m: cur=(int(m.group(1)),m.group(2)); load=m.group(3); continue
    m=re.match(r'hopper drain c=(\d+): \d+ jobs, (\d+) jobs/s',line)
    if m: c=int(m.group(1)); rec={'rate':int(m.group(2))}; data[(cur,c)]=rec; continue
    m=re.search(r'node CPU ([\d.]+) µs/job; server CPU ([\d.]+) µs/job',line)
    if m: rec['node']=float(m.group(1)); rec['server']=float(m.group(2)); m2=re.search(r'waits for work: \d+ gaps over 0.5 ms, ([\d.]+) ms of ([\d.]+) ms',line); rec['wait']=float(m2.group(1))/float(m2.group(2)); continue
    m=re.search(r'(\d+) fetches \(mean ([\d.]+) ms\), (\d+) completions.*a fetch in flight (\d+)%.*nothing (\d+)%.*went out (\d+)',line)
    if m: rec.update(fetches=int(m.group(1)),fetchms=float(m.group(2)),completions=int(m.group(3)),fetchinflight=int(m.group(4)),nothing=int(m.group(5)),left=int(m.group(6)))
pairs=sorted({k[0][0] for k in data})
for c in (1,10,50):
    print(f"== c={c}")
    for key in ['rate','node','server','wait','fetchms','completions','fetchinflight','nothing','left']:
        a=[data[((p,'A'),c)][key] for p in pairs if ((p,'A'),c) in data and ((p,'B'),c) in data]
        b=[data[((p,'B'),c)][key] for p in pairs if ((p,'A'),c) in data and ((p,'B'),c) in data]
        ratio=[y/x for x,y in zip(a,b) if x]
        ahead=sum(1 for x,y in zip(a,b) if y>x)
        print(f"{key:14s} A med {st.median(a):9.2f} ({min(a):.1f}-{max(a):.1f})  B med {st.median(b):9.2f} ({min(b):.1f}-{max(b):.1f})  B/A med {st.median(ratio) if ratio else 0:.2f}  B higher {ahead}/{len(a)}")
    print("rates A:", [data[((p,'A'),c)]['rate'] for p in pairs]); print("rates B:", [data[((p,'B'),c)]['rate'] for p in pairs])
