#!/bin/bash
# usage: bench-pairs.sh <pairs> <out-dir>; full-profile enqueue, redis hopper+bullmq, HOPPER_LANE_SPLIT 0 vs 3 alternating
cd ${TREE:-/work/main}
mkdir -p $2
for p in $(seq 1 $1); do
  if (( p % 2 )); then order="0 3"; else order="3 0"; fi
  for sp in $order; do
    echo "@@@ split=$sp pair=$p load=$(cut -d' ' -f1 /proc/loadavg)" >> $2/log.txt
    HOPPER_LANE_SPLIT=$sp pnpm -s bench --profile full -s enqueue -b redis -k hopper,bullmq --progress plain --no-services -o $2/s$sp-p$p >> $2/log.txt 2>&1
  done
done
