# Records on ÷ off per pair, per backend and column, from pairs.sh's output folder.
import json,glob,os,statistics as st,sys
d=sys.argv[1]; data={}
for p in glob.glob(f"{d}/*-*/latest.json"):
    rec,i=os.path.basename(os.path.dirname(p)).split('-')
    for s in json.load(open(p))['subjects']:
        backend=s['spec']['backend']
        data[(backend,rec,int(i))]={'single':s['enqueueSingle']['summary']['median'],'bulk':s['enqueueBulk']['summary']['median'],'drain c=10':s['drain'][0]['rate']['summary']['median']}
for backend in ('redis','postgres'):
    pairs=sorted({k[2] for k in data if k[0]==backend and (backend,'off',k[2]) in data and (backend,'on',k[2]) in data})
    for col in ('single','bulk','drain c=10'):
        off=[data[(backend,'off',i)][col] for i in pairs]; on=[data[(backend,'on',i)][col] for i in pairs]
        if not off: continue
        r=[b/a for a,b in zip(off,on)]
        print(f"{backend} {col}: n={len(pairs)} off median {st.median(off):,.0f} on median {st.median(on):,.0f} paired on/off median {st.median(r):.2f} ({min(r):.2f}-{max(r):.2f})")
        print(f"   off [{', '.join(f'{x:.0f}' for x in off)}]\n   on  [{', '.join(f'{x:.0f}' for x in on)}]")
