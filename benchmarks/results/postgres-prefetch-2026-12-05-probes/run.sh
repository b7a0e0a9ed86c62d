#!/bin/bash
# prefetch 200 / 500 / 1000 on the PostgreSQL drain probe, interleaved (rotating order per round).
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
for i in $(seq 1 ${ROUNDS:-5}); do
  case $((i % 3)) in 0) order="200 500 1000";; 1) order="500 1000 200";; 2) order="1000 200 500";; esac
  for P in $order; do
    echo "### round $i prefetch $P $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd apps/bench && HOPPER_BENCH_PREFETCH=$P node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/postgres-drain-profile.ts hopper $HOPPER_TEST_POSTGRES_URL 20000 1,10,50 1 2>&1 | grep -v '^$')
  done
done
