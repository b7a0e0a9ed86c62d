#!/bin/bash
# Interleaved drain A/B on PostgreSQL, Hopper alone: A = main before pgackplan (5c9218f's statements, named), B = main d371abd (claim and token statements unnamed)
source /work/env.sh && cd /work/wt/abq && eval "$(pnpm -s services env)"
for i in $(seq 1 ${PAIRS:-5}); do
  for v in A B; do
    for f in packages/postgres/src/operations/claim-messages.ts packages/postgres/src/operations/delete-messages.ts packages/postgres/src/operations/extend-leases.ts packages/postgres/src/operations/release-messages.ts packages/postgres/src/operations/statement-text.ts packages/postgres/src/postgres-executor.ts; do cp /tmp/pab/$v/$f $f; done
    echo "### pair $i $v $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    pnpm -s bench -b postgres -k hopper -s drain -c 1,10,50 -n 10000 --no-services --progress plain -o /tmp/pab/out-$i-$v > /dev/null 2>&1
    grep -E "^\| \*\*postgres/hopper\*\* \| Hopper" /tmp/pab/out-$i-$v/latest.md
  done
done
git checkout -- packages/postgres
