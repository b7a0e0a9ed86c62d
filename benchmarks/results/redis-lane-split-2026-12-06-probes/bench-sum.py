import json,glob,re,sys,statistics as st,os
root=sys.argv[1]
rows={}
# <root>: the run tables, one per run, named s<split>-p<pair>.md
for d in sorted(glob.glob(f"{root}/s*-p*.md")):
    m=re.search(r"s(\d+)-p(\d+)\.md$",d); sp,p=m[1],int(m[2])
    txt=open(d).read()
    def rate(subject):
        mm=re.search(r"\*\*"+re.escape(subject)+r"\*\* \| [^|]*\| ([\d,]+)",txt)
        return int(mm[1].replace(",","")) if mm else None
    rows[(sp,p)]=(rate("redis/hopper"),rate("redis/bullmq"))
pairs=sorted({p for _,p in rows})
for sp in sorted({s for s,_ in rows}):
    h=[rows[(sp,p)][0] for p in pairs if (sp,p) in rows]; b=[rows[(sp,p)][1] for p in pairs if (sp,p) in rows]
    r=[x/y for x,y in zip(h,b)]
    print(f"split={sp}: hopper single median {st.median(h)} {h}; bullmq {st.median(b)}; hopper÷bullmq per run median {st.median(r):.2f} {[round(x,2) for x in r]}")
hs=[rows[('3',p)][0]/rows[('0',p)][0] for p in pairs if ('3',p) in rows and ('0',p) in rows]
print(f"hopper split3÷split0 per pair: median {st.median(hs):.2f}, {sum(x>1 for x in hs)} of {len(hs)} above 1: {[round(x,2) for x in hs]}")
