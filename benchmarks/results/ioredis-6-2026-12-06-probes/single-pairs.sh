#!/bin/bash
# Redis single enqueue, Hopper against BullMQ: one bench run per pair, the subjects' order alternating. Args: tree, pairs, out dir.
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
tree=${1:-/work/main}; out=${3:-/work/probes58/pairs/single}; mkdir -p $out; cd $tree
for i in $(seq 1 ${2:-10}); do
  if [ $(((i + ${FLIP:-0}) % 2)) = 1 ]; then order=hopper,bullmq; else order=bullmq,hopper; fi
  echo "### pair $i order $order $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  pnpm -s bench -b redis -k $order -s enqueue --single-jobs 2000 --bulk-jobs 2000 -r 5 --warmup 1 --no-services --progress plain -o $out/out-$i >/dev/null 2>&1
  grep -E "\*\*redis/(hopper|bullmq)\*\* \| (Hopper|BullMQ)" $out/out-$i/latest.md | cut -c1-140
done
