#!/usr/bin/env bash
# The bench's Pub/Sub rows (default profile, Hopper only) before the pacer (/work/wt/base50, 1734f91) and after it
# (/work/main), alternated: bench-ab.sh <rounds> <out dir>; summary: bench-ab-sum.py <out dir>.
source /work/env.sh
rounds=$1; out=$2; mkdir -p "$out"
eval "$(cd /work/main && pnpm -s services env)"
for round in $(seq 1 "$rounds"); do
  for side in before after; do
    dir=/work/wt/base50; [ $side = after ] && dir=/work/main
    echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) $side $round" >> "$out/log.txt"
    (cd $dir && pnpm -s bench -b pubsub -k hopper -s enqueue,drain --progress plain --no-services -o "$out/$side-$round" > "$out/$side-$round.out" 2>&1)
  done
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
