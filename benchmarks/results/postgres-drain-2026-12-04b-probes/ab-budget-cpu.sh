#!/bin/bash
# Node CPU per drained job (drain-cpu.ts), interleaved: A = cb71fb4's receive-budget.ts, B = the change tried (changed()
# wakes a waiting reserve only once there is room: the line in postgres-drain-2026-12-04b.md § 5, not kept). Made first:
#   git show cb71fb4:packages/core/src/worker/receive-budget.ts > /tmp/pgd/budget.A; that file with the line added > /tmp/pgd/budget.B
#   ab-budget-cpu.sh > budget-wake-node-cpu-ab.txt
source /work/env.sh && cd /work/wt/pgdrain2 && eval "$(pnpm -s services env)"
F=packages/core/src/worker/receive-budget.ts
for i in $(seq 1 ${PAIRS:-10}); do
  for v in A B; do
    cp /tmp/pgd/budget.$v $F
    echo "### pair $i $v $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd apps/bench && node --expose-gc --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/drain-cpu.ts hopper $HOPPER_TEST_POSTGRES_URL 10000 1,10,50 1 2>&1 | grep -v '^$')
  done
done
git checkout $F
