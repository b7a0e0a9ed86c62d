# Per pair: Hopper change ÷ base, and Hopper ÷ raw ioredis within each run; medians over the pairs.
import json,glob,os,statistics as st,sys
d=sys.argv[1]; rate={}
for p in glob.glob(f"{d}/*-*/full-latest.json"):
    side,i=os.path.basename(os.path.dirname(p)).split('-')
    for s in json.load(open(p))['subjects']:
        rate[(side,int(i),s['spec']['kind'])]=s['drain'][0]['rate']['summary']['median']
pairs=sorted({i for (side,i,k) in rate if ('base',i,'hopper') in rate and ('change',i,'hopper') in rate})
ab=[rate[('change',i,'hopper')]/rate[('base',i,'hopper')] for i in pairs]
print(f"pairs {len(pairs)}: Hopper change/base median {st.median(ab):.3f} ({min(ab):.3f}-{max(ab):.3f})")
for side in ('base','change'):
    h=[rate[(side,i,'hopper')] for i in pairs]; r=[rate[(side,i,'raw')] for i in pairs]; q=[a/b for a,b in zip(h,r)]
    print(f"{side}: Hopper median {st.median(h):,.0f}, raw median {st.median(r):,.0f}, Hopper/raw per run median {st.median(q):.2f} ({min(q):.2f}-{max(q):.2f})")
    print(f"   hopper [{', '.join(f'{x:.0f}' for x in h)}]\n   raw    [{', '.join(f'{x:.0f}' for x in r)}]")
