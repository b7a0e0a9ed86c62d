#!/bin/bash
# Interleaved A/B of the worker, everything but worker.ts from this branch: A = cb71fb4's worker.ts (the branch point),
# B = b3f0c17's. Made first: git show cb71fb4:packages/core/src/worker/worker.ts > /tmp/pgd/worker.ts.A
#                            git show b3f0c17:packages/core/src/worker/worker.ts > /tmp/pgd/worker.ts.B
#   ab-worker.sh probe > wait-after-receive-probe-ab.txt   (postgres-drain-profile.ts, counted per job)
#   ab-worker.sh bench > wait-after-receive-bench-ab.txt   (pnpm bench -k hopper,pg-boss)
mode=${1:-probe}
source /work/env.sh && cd /work/wt/pgdrain2 && eval "$(pnpm -s services env)"
W=packages/core/src/worker/worker.ts
for i in $(seq 1 ${PAIRS:-10}); do
  for v in A B; do
    cp /tmp/pgd/worker.ts.$v $W
    echo "### pair $i $v $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    if [ "$mode" = probe ]; then
      (cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/postgres-drain-profile.ts hopper $HOPPER_TEST_POSTGRES_URL 10000 1,10,50 1 2>&1 | grep -v '^$')
    else
      pnpm -s bench -b postgres -k hopper,pg-boss -s drain -c 1,10,50 -n 10000 --no-services --progress plain -o /tmp/pgd/ab/bench-$i-$v 2>&1 | grep -E "jobs/s|skip|error"
      grep -E "^\| \*\*postgres/(hopper|pg-boss)\*\* \| (Hopper|pg-boss)" /tmp/pgd/ab/bench-$i-$v/latest.md
      echo "end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    fi
  done
done
git checkout $W
