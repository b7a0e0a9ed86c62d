import re,sys,statistics as st,collections
rows=collections.defaultdict(list)
import re as _r
recs=[]
for l in open(sys.argv[1]):
    if _r.match(r"\d\d:\d\d:\d\d ",l): recs.append(l.strip())
    else: recs[-1]+=" "+l.strip()
for line in recs:
    m=re.search(r"code=(\w+) records=(\w+)",line); code,rec=m.groups()
    for part in re.split(r"(?=(?:enqueue \w+|drain c=\d+)[^:]*:)", line.split("|",1)[1]):
        mm=re.match(r"(enqueue \w+|drain c=\d+)",part.strip())
        if not mm: continue
        n=re.search(r"node CPU ([\d.]+) µs/job \(system ([\d.]+)\)",part); s=re.search(r"server CPU ([\d.]+)",part); b=re.search(r"bytes in (\d+)/job",part); c=re.search(r"commands ([\d.]+)/job",part)
        rows[(mm.group(1),code,rec)].append((float(n.group(1)),float(n.group(2)),float(s.group(1)) if s else None,b and b.group(1),c and c.group(1)))
for k in sorted(rows):
    v=rows[k]
    print(f"{k[0]:12} {k[1]:6} {k[2]:3}  node med {st.median([x[0] for x in v]):5.1f} [{' '.join(str(x[0]) for x in v)}]  sys med {st.median([x[1] for x in v]):4.1f}  server med {st.median([x[2] or 0 for x in v]):5.1f} [{' '.join(str(x[2]) for x in v)}]  bytes in {v[0][3]} cmds {v[0][4]}")
