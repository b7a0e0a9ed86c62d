#!/bin/bash
# Interleaved A/B of worker.ts (A = main's, B = b3f0c17's "wait after each receive"), PostgreSQL drain probe, in /work/wt/abq.
source /work/env.sh && cd /work/wt/abq && eval "$(pnpm -s services env)"
W=packages/core/src/worker/worker.ts
for i in $(seq 1 ${PAIRS:-10}); do
  for v in A B; do
    cp /tmp/pgd/worker.ts.$v $W
    echo "### pair $i $v $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/postgres-drain-profile.ts hopper $HOPPER_TEST_POSTGRES_URL 10000 1,10,50 1 2>&1 | grep -E "jobs/s|node CPU")
  done
done
git checkout $W
