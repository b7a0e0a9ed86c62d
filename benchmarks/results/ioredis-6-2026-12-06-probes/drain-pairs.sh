#!/bin/bash
# Redis drain, Hopper against raw ioredis: one bench run per pair, the subjects' order alternating. Args: tree, pairs, concurrencies, out dir.
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
tree=${1:-/work/main}; out=${4:-/work/probes58/pairs/drain}; mkdir -p $out; cd $tree
for i in $(seq 1 ${2:-10}); do
  if [ $(((i + ${FLIP:-0}) % 2)) = 1 ]; then order=hopper,raw; else order=raw,hopper; fi
  echo "### pair $i order $order $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  pnpm -s bench -b redis -k $order -s drain -c ${3:-10,50} -n 10000 -r 5 --warmup 1 --no-services --progress plain -o $out/out-$i >/dev/null 2>&1
  grep -E "^\| \*\*redis/(hopper|raw)\*\* \|" $out/out-$i/latest.md | head -2 | cut -c1-200
done
