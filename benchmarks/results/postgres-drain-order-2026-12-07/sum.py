# Hopper ÷ each peer per run and concurrency, and the medians over runs, from runs.sh's output folder.
import json, glob, statistics as st, sys
d = sys.argv[1]
rows = []
for path in sorted(glob.glob(f"{d}/run-*.json")):
    j = json.load(open(path))
    rates = {s['spec']['id'].split('/')[1]: {p['concurrency']: p['rate']['summary']['median'] for p in s['drain']} for s in j['subjects']}
    order = ','.join(s['spec']['id'].split('/')[1] for s in j['subjects'])
    rows.append((path.split('/')[-1], order, rates))
for peer in ('graphile-worker', 'pg-boss'):
    print(f"Hopper ÷ {peer}, drain c = 1 / 10 / 50")
    per_c = {1: [], 10: [], 50: []}
    for name, order, rates in rows:
        if 'hopper' not in rates or peer not in rates: continue
        ratios = {c: rates['hopper'][c] / rates[peer][c] for c in per_c}
        for c in per_c: per_c[c].append(ratios[c])
        first = 'Hopper first' if order.startswith('hopper') else 'Hopper last'
        print(f"  {name} ({first}): " + " / ".join(f"{ratios[c]:.2f}" for c in per_c) + "   jobs/s Hopper " + " / ".join(f"{rates['hopper'][c]:,.0f}" for c in per_c) + f", {peer} " + " / ".join(f"{rates[peer][c]:,.0f}" for c in per_c))
    print("  median: " + " / ".join(f"{st.median(v):.2f} ({min(v):.2f}-{max(v):.2f})" for v in per_c.values() if v))
