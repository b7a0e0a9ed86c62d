#!/usr/bin/env python3
"""After ÷ before per round and column, records off and on, from pairs-ab.sh's output: python3 ab-ratio.py <out dir>"""
import glob, json, os, statistics as st, sys
d = sys.argv[1]; data = {}
for code in ('before', 'after'):
    for p in glob.glob(f"{d}/{code}/*-*/latest.json"):
        rec, i = os.path.basename(os.path.dirname(p)).split('-')
        s = json.load(open(p))['subjects'][0]
        data[(code, rec, int(i))] = {'single': s['enqueueSingle']['summary']['median'], 'bulk': s['enqueueBulk']['summary']['median'], 'drain c=10': s['drain'][0]['rate']['summary']['median']}
rounds = sorted({k[2] for k in data})
for col in ('single', 'bulk', 'drain c=10'):
    for rec in ('off', 'on'):
        r = [data[('after', rec, i)][col] / data[('before', rec, i)][col] for i in rounds if ('after', rec, i) in data and ('before', rec, i) in data]
        print(f"after/before {col} records {rec}: n={len(r)} median {st.median(r):.2f} ({min(r):.2f}-{max(r):.2f})")
