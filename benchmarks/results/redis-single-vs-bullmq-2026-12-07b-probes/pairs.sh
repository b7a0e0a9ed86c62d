#!/bin/bash
# Redis single enqueue, Hopper (built, as the bench loads it since 649b5d6) against BullMQ: one bench run per pair,
# the subjects' order alternating (the first row printed per pair is the subject that ran first).
#   PAIRS=20 pairs.sh <checkout> <scratch dir>   (the checkout's `pnpm services` servers)
checkout=$1 scratch=$2
source /work/env.sh && cd "$checkout" && eval "$(pnpm -s services env)"
for i in $(seq 1 ${PAIRS:-10}); do
  if [ $((i % 2)) = 1 ]; then order=hopper,bullmq; else order=bullmq,hopper; fi
  echo "### pair $i order $order $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  pnpm -s bench -b redis -k $order -s enqueue --single-jobs 2000 --bulk-jobs 2000 -r 5 --warmup 1 --no-services --progress plain -o "$scratch/out-$i" >/dev/null 2>&1
  grep -E '\*\*redis/(hopper|bullmq)\*\* \| (Hopper|BullMQ)' "$scratch/out-$i/latest.md" | cut -c1-140
done
