import json,glob,os,re,statistics as st,sys
d=sys.argv[1]
def rates(path):
    s=json.load(open(path))['subjects'][0]
    return {'drain':s['drain'][0]['rate']['summary']['median'],'bulk':s['enqueueBulk']['summary']['median'],'single':s['enqueueSingle']['summary']['median']}
data={}
for p in glob.glob(f"{d}/*-*-*/latest.json"):
    code,rec,i=os.path.basename(os.path.dirname(p)).split('-'); data[(code,rec,int(i))]=rates(p)
codes=sorted({k[0] for k in data}); 
for code in codes:
    pairs=sorted({k[2] for k in data if k[0]==code and (code,'off',k[2]) in data and (code,'on',k[2]) in data})
    print(f"## {code}: {len(pairs)} pairs")
    for col in ['drain','bulk','single']:
        off=[data[(code,'off',i)][col] for i in pairs]; on=[data[(code,'on',i)][col] for i in pairs]
        ratio=[b/a for a,b in zip(off,on)]
        print(f"{col:7} off med {st.median(off):8.0f}  on med {st.median(on):8.0f}  ratio of medians {st.median(on)/st.median(off):.2f}  paired med {st.median(ratio):.2f} ({min(ratio):.2f}-{max(ratio):.2f})")
        print(f"   off: {', '.join(f'{x:,.0f}' for x in off)}\n   on:  {', '.join(f'{x:,.0f}' for x in on)}")
if len(codes)==2:
    for rec in ['off','on']:
        pairs=sorted({k[2] for k in data if all((c,rec,k[2]) in data for c in codes)})
        for col in ['drain','bulk','single']:
            r=[data[('after',rec,i)][col]/data[('before',rec,i)][col] for i in pairs]
            print(f"after/before records {rec} {col}: paired med {st.median(r):.2f} ({min(r):.2f}-{max(r):.2f}) n={len(r)}")
