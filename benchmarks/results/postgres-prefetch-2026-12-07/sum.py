# Prefetch 2000 ÷ default per pair and concurrency, from runs.sh's output folder: python3 sum.py <dir>
import json, glob, statistics as st, sys
d = sys.argv[1]; data = {}; pre = {}
for p in glob.glob(f"{d}/*-*/full-latest.json"):
    mode, i = p.split('/')[-2].rsplit('-', 1)
    s = json.load(open(p))['subjects'][0]
    data[(mode, int(i))] = {pt['concurrency']: pt['rate']['summary']['median'] for pt in s['drain']}
    pre[mode] = [pt.get('consumer', {}).get('settings', {}).get('prefetch') for pt in s['drain']]
pairs = sorted({k[1] for k in data if ('default', k[1]) in data and ('2000', k[1]) in data})
print(f"prefetch settings recorded: default {pre.get('default')}, 2000 {pre.get('2000')}")
for c in (1, 10, 50):
    a = [data[('default', i)][c] for i in pairs]; b = [data[('2000', i)][c] for i in pairs]; r = [y / x for x, y in zip(a, b)]
    print(f"c={c}: n={len(pairs)} default median {st.median(a):,.0f}, prefetch 2000 median {st.median(b):,.0f}; paired 2000/default median {st.median(r):.2f} ({min(r):.2f}-{max(r):.2f}), 2000 ahead in {sum(x > 1 for x in r)} of {len(r)}")
    print("   default [" + ", ".join(f"{x:.0f}" for x in a) + "]"); print("   2000    [" + ", ".join(f"{x:.0f}" for x in b) + "]")
