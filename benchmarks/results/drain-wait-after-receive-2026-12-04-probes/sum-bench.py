import re,sys,statistics as st
txt=open(sys.argv[1]).read()
cur=None; data={}
for line in txt.splitlines():
    m=re.match(r'### pair (\d+) (\w)',line)
    if m: cur=(int(m[1]),m[2]); continue
    m=re.match(r'\| \*\*(\w+)/hopper\*\* \| Hopper[^|]*\|[^|]*\|[^|]*\| ([\d,]+)[^|]*\| ([\d,]+)[^|]*\| ([\d,]+)',line)
    if m:
        for c,v in zip((1,10,50),m.groups()[1:]):
            data.setdefault((m[1],c,cur[1]),{})[cur[0]]=int(v.replace(',',''))
for b in ('redis','postgres'):
  for c in (1,10,50):
    A=data.get((b,c,'A'),{});B=data.get((b,c,'B'),{})
    r=[B[i]/A[i] for i in A if i in B]
    if not r: continue
    print(f"{b} c={c}: A median {st.median(A.values()):,.0f} B median {st.median(B.values()):,.0f} paired B/A median {st.median(r):.3f} (min {min(r):.2f} max {max(r):.2f}) B faster in {sum(x>1 for x in r)} of {len(r)}")
