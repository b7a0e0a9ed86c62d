#!/bin/bash
# Redis single enqueue, Hopper against BullMQ: one bench run per pair (both subjects, each in its own child), the
# subjects' order alternating, which the bench honours since 2026-12-07 (subjects run in -k's order; the table's
# rows follow the run order, so the first row printed per pair is the subject that ran first).
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
for i in $(seq 1 ${PAIRS:-10}); do
  if [ $((i % 2)) = 1 ]; then order=hopper,bullmq; else order=bullmq,hopper; fi
  echo "### pair $i order $order $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  pnpm -s bench -b redis -k $order -s enqueue --single-jobs 2000 --bulk-jobs 2000 -r 5 --warmup 1 --no-services --progress plain -o /work/redis-single/out-$i >/dev/null 2>&1
  grep -E '\*\*redis/(hopper|bullmq)\*\* \| (Hopper|BullMQ)' /work/redis-single/out-$i/latest.md | cut -c1-140
done
