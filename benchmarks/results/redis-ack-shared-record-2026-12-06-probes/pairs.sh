#!/bin/bash
# Interleaved Redis drain c = 50 runs, Hopper and raw ioredis in each (the goal row's drain column, full profile):
# base (BASE, default /work/wt/base53 at b118346) and the change (/work/main), alternating which goes first (ABBA).
#   pairs.sh <n> <out>; summary: python3 pairs-sum.py <out>. From anywhere, with `pnpm services` up in /work/main.
source /work/env.sh; eval "$(cd /work/main && pnpm -s services env)"
n=$1; out=$2; mkdir -p "$out"
for i in $(seq 1 "$n"); do
  order="base change"; [ $((i % 2)) = 0 ] && order="change base"
  for side in $order; do
    dir=$([ $side = base ] && echo ${BASE:-/work/wt/base53} || echo /work/main)
    echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) pair=$i $side $(git -C $dir rev-parse --short HEAD)" >> "$out/log.txt"
    (cd $dir && pnpm -s bench --profile full -s drain -b redis -k hopper,raw -c 50 --progress plain --no-services -o "$out/$side-$i" > "$out/$side-$i.out" 2>&1)
  done
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
