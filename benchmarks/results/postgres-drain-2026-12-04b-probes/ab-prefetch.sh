#!/bin/bash
# With b3f0c17's worker.ts in place: prefetch 200 (A here) against prefetch 1000 (B here), interleaved.
source /work/env.sh && cd /work/wt/pgdrain2 && eval "$(pnpm -s services env)"
for i in $(seq 1 ${PAIRS:-6}); do
  for v in A B; do
    if [ $v = A ]; then P=200; else P=1000; fi
    echo "### pair $i $v $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) prefetch $P"
    (cd apps/bench && HOPPER_BENCH_PREFETCH=$P node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/postgres-drain-profile.ts hopper $HOPPER_TEST_POSTGRES_URL 10000 1,10,50 1 2>&1 | grep -v '^$')
  done
done
