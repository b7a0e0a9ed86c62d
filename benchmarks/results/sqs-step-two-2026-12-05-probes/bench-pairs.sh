#!/bin/bash
# Interleaved wall-clock pairs, main then this branch, of the sqs enqueue and drain scenarios (hopper and the raw
# client), on this worktree's fauxqs. Main's side runs from a checkout of main (MAIN, read only).
#   MAIN=/work/main BRANCH=/work/wt/sqsid2 PAIRS=10 benchmarks/results/sqs-step-two-2026-12-05-probes/bench-pairs.sh > /tmp/sqsid2/pairs.log
# Each run writes /tmp/sqsid2/<main|branch>-<n>/latest.md; bench-table.py reads them and this script's log.
source /work/env.sh
cd "$BRANCH" && eval "$(pnpm -s services env)"
for i in $(seq 1 "${PAIRS:-10}"); do
  for side in main branch; do
    root=$MAIN; [ $side = branch ] && root=$BRANCH
    echo "== $side $i start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
    (cd "$root" && pnpm -s bench -s enqueue,drain -b sqs -k hopper,raw --no-services --progress plain -o /tmp/sqsid2/$side-$i > /tmp/sqsid2/$side-$i.log 2>&1)
    echo "== $side $i end $(date -u +%T) rc $? load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
echo DONE
