#!/usr/bin/env python3
"""Medians of cost-ab.sh's output: python3 cost-sum.py <out dir>/<mode>.txt"""
import re, sys, statistics
rows = {}
code = None
for line in open(sys.argv[1]):
    m = re.match(r"== round (\d+) (\w+) (\w+)", line)
    if m:
        code = (m.group(2), m.group(3)); continue
    m = re.match(r"(enqueue bulk|enqueue single|drain)[^:]*:.*node CPU ([\d.]+) .*commands ([\d.]+)/job.*server CPU ([\d.]+)", line)
    if m and code:
        rows.setdefault((m.group(1),) + code, []).append((float(m.group(2)), float(m.group(3)), float(m.group(4))))
for key in sorted(rows):
    runs = rows[key]
    node = statistics.median(r[0] for r in runs); cmds = statistics.median(r[1] for r in runs); server = statistics.median(r[2] for r in runs)
    print(f"{key[0]:15} {key[1]:6} {key[2]:3}  node {node:5.1f}  server {server:5.1f} [{' '.join(f'{r[2]:.1f}' for r in runs)}]  commands {cmds:.2f}")
