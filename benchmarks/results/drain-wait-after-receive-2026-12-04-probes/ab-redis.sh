#!/bin/bash
# Interleaved bench A/B of worker.ts on Redis drains (A = the wait only before a due receive, 0e4b5ec^'s rule;
# B = main's: also after each receive made), in /work/wt/abq at main b491a8d.
source /work/env.sh && cd /work/wt/abq && eval "$(pnpm -s services env)"
W=packages/core/src/worker/worker.ts
for i in $(seq 1 ${PAIRS:-10}); do
  for v in A B; do
    cp /tmp/pgd/worker.ts.$v $W
    echo "### pair $i $v $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    pnpm -s bench -b redis -k hopper -s drain -c ${CONC:-1,10,50} -n 10000 --no-services --progress plain -o /tmp/pgd/ab/rc-$i-$v > /dev/null 2>&1
    grep -E "^\| \*\*(redis|postgres)/hopper\*\* \| Hopper" /tmp/pgd/ab/rc-$i-$v/latest.md
  done
done
git checkout $W
