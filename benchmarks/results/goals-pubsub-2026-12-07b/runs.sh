#!/bin/bash
cd /work/main; source /work/env.sh; eval "$(pnpm -s services env)"
out=benchmarks/results/goals-pubsub-2026-12-07b
for order in hopper,raw raw,hopper hopper,raw raw,hopper; do
  echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) order=$order" >> $out/log.txt
  pnpm -s bench --profile full -s enqueue,drain -b pubsub -k $order --progress plain --no-services -o $out >> $out/runs.out 2>&1
done
echo "$(date -u +%H:%M:%S) done" >> $out/log.txt
