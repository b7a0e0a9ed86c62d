#!/bin/bash
# SQS (fauxqs) enqueue, Hopper against the raw client, from this checkout: one bench run per pair (both subjects, each in its own child), the subjects' order alternating.
source /work/env.sh && cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)" && eval "$(pnpm -s services env)"
for i in $(seq 1 ${PAIRS:-10}); do
  if [ $((i % 2)) = 1 ]; then order=hopper,raw; else order=raw,hopper; fi
  echo "### pair $i order $order $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  pnpm -s bench -b sqs -k $order -s enqueue --single-jobs 500 --bulk-jobs 10000 -r 5 --warmup 1 --no-services --progress plain -o ${OUT:-/tmp/sqs-bulk}/out-$i >/dev/null 2>&1
  grep -E "sqs/(hopper|raw)\*\* \| (Hopper|Send)" ${OUT:-/tmp/sqs-bulk}/out-$i/latest.md | cut -c1-200
done
