# main on ÷ main off and prototype on ÷ main off, per triple, Redis, from proto-pairs.sh's folder.
import json,glob,os,statistics as st,sys
d=sys.argv[1]; data={}
for p in glob.glob(f"{d}/*-*-*/latest.json"):
    tree,rec,i=os.path.basename(os.path.dirname(p)).split('-')
    for s in json.load(open(p))['subjects']:
        data[(tree+'-'+rec,int(i))]={'single':s['enqueueSingle']['summary']['median'],'bulk':s['enqueueBulk']['summary']['median'],'drain c=10':s['drain'][0]['rate']['summary']['median']}
idx=sorted({k[1] for k in data if all((t,k[1]) in data for t in ('main-off','main-on','proto-on'))})
for col in ('single','bulk','drain c=10'):
    off=[data[('main-off',i)][col] for i in idx]
    for t in ('main-on','proto-on'):
        on=[data[(t,i)][col] for i in idx]; r=[b/a for a,b in zip(off,on)]
        print(f"{col} {t} ÷ main-off: n={len(idx)} median {st.median(r):.2f} ({min(r):.2f}-{max(r):.2f}); rates median off {st.median(off):,.0f} on {st.median(on):,.0f}")
    a=[data[('main-on',i)][col] for i in idx]; b=[data[('proto-on',i)][col] for i in idx]; r=[y/x for x,y in zip(a,b)]
    print(f"{col} proto-on ÷ main-on: median {st.median(r):.2f} ({min(r):.2f}-{max(r):.2f})")
