#!/bin/bash
# Interleaved bench A/B of worker.ts (A = main's, B = b3f0c17's), Redis and PostgreSQL drains, in /work/wt/abq.
source /work/env.sh && cd /work/wt/abq && eval "$(pnpm -s services env)"
W=packages/core/src/worker/worker.ts
for i in $(seq 1 ${PAIRS:-10}); do
  for v in A B; do
    cp /tmp/pgd/worker.ts.$v $W
    echo "### pair $i $v $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    pnpm -s bench -b redis,postgres -k hopper -s drain -c 1,10,50 -n 10000 --no-services --progress plain -o /tmp/pgd/ab/bench-$i-$v > /dev/null 2>&1
    grep -E "^\| \*\*(redis|postgres)/hopper\*\* \| Hopper" /tmp/pgd/ab/bench-$i-$v/latest.md
  done
done
git checkout $W
