import re,sys,statistics
for f in sys.argv[1:]:
    d={}
    side=None
    for line in open(f):
        m=re.match(r"### side=(\w+)",line)
        if m: side=m.group(1); continue
        m=re.match(r"(on|off) (claim|ack): server CPU µs ([\d.]+)",line)
        if m: d.setdefault((m.group(1),m.group(2),side),[]).append(float(m.group(3)))
    print(f)
    for mode in ["off","on"]:
        for part in ["claim","ack"]:
            b=d.get((mode,part,"base"),[]); a=d.get((mode,part,"main"),[])
            print(f"  {mode} {part}: base median {statistics.median(b):.1f} (n={len(b)}, {min(b):.1f}-{max(b):.1f})  main median {statistics.median(a):.1f} (n={len(a)}, {min(a):.1f}-{max(a):.1f})")
