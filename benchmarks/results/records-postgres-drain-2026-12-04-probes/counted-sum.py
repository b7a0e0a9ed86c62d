# Medians per code (base, branch), mode (off, on) and statement (claim, ack) of counted-ab.sh's output; records' cost = on - off.
import re,sys,statistics as st
data={}; code=None
for line in open(sys.argv[1]):
    m=re.match(r"## .* code=(\w+)\(",line)
    if m: code=m.group(1); continue
    m=re.match(r"(off|on) (claim|ack): server CPU µs ([\d.]+) .*WAL B (\d+) .*buffers ([\d.]+)",line)
    if m and code:
        mode,stmt=m.group(1),m.group(2)
        data.setdefault((code,mode,stmt),[]).append((float(m.group(3)),float(m.group(4)),float(m.group(5))))
for code in ("base","branch"):
    for stmt in ("claim","ack"):
        row=[]
        for mode in ("off","on"):
            v=data.get((code,mode,stmt),[])
            if not v: continue
            row.append((mode,len(v),*(st.median(x[k] for x in v) for k in range(3))))
        print(code,stmt,"; ".join(f"{m} n={n}: CPU {c:.1f} µs, WAL {w:.0f} B, buffers {b:.1f}" for m,n,c,w,b in row),
              f"| on-off: CPU {row[1][2]-row[0][2]:+.1f} µs, WAL {row[1][3]-row[0][3]:+.0f} B, buffers {row[1][4]-row[0][4]:+.1f}" if len(row)==2 else "")
    cpu=[x[0] for x in data.get((code,"on","claim"),[])]
# Records' CPU (on - off, claim + ack) per round, each code: the spread of the paired figure.
for code in ("base","branch"):
    rounds=list(zip(*(data.get((code,m,s),[]) for m in ("off","on") for s in ("claim","ack"))))
    diffs=[(on_c[0]+on_a[0])-(off_c[0]+off_a[0]) for off_c,off_a,on_c,on_a in rounds]
    if diffs: print(code,"records' server CPU per job (claim + ack, on - off) per round:",", ".join(f"{d:+.1f}" for d in diffs),f"| median {st.median(diffs):+.1f} µs")
