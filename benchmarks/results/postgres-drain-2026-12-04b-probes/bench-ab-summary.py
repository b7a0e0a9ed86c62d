# python3 bench-ab-summary.py wait-after-receive-bench-ab.txt: the table of interleaved bench pairs and B ÷ A per concurrency
import re,sys,statistics as st
cur=None; d={}
for line in open(sys.argv[1]):
    m=re.match(r'### pair (\d+) (\w) (\S+) load (\S+)',line)
    if m: cur=(int(m.group(1)),m.group(2)); d.setdefault(cur,{})['at']=m.group(3)+' load '+m.group(4); continue
    m=re.match(r'\| \*\*postgres/(hopper|pg-boss)\*\* \|[^|]*\| – \| – \|(.*)',line)
    if m:
        cells=[c.strip() for c in m.group(2).split('|') if c.strip()]
        d[cur][m.group(1)]=[int(c.split(' ')[0].replace(',','')) for c in cells]; d[cur][m.group(1)+'_raw']=cells
pairs=sorted({k[0] for k in d})
print("| pair | side | start (UTC), load | Hopper c=1 / 10 / 50 | pg-boss c=1 / 10 / 50 |")
print("|---|---|---|---|---|")
for p in pairs:
    for v in 'AB':
        r=d.get((p,v),{})
        if 'hopper' not in r: continue
        print(f"| {p} | {v} | {r['at']} | {' / '.join(r['hopper_raw'])} | {' / '.join(r.get('pg-boss_raw',['?']))} |")
print()
for i,c in enumerate((1,10,50)):
    a=[d[(p,'A')]['hopper'][i] for p in pairs if 'hopper' in d.get((p,'B'),{}) and 'hopper' in d.get((p,'A'),{})]
    b=[d[(p,'B')]['hopper'][i] for p in pairs if 'hopper' in d.get((p,'B'),{}) and 'hopper' in d.get((p,'A'),{})]
    r=[y/x for x,y in zip(a,b)]
    print(f"c={c}: A med {st.median(a):,.0f} ({min(a):,}-{max(a):,}), B med {st.median(b):,.0f} ({min(b):,}-{max(b):,}), B/A med of pairs {st.median(r):.2f}, B ahead {sum(1 for x in r if x>1)}/{len(r)}")
