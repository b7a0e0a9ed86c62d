#!/bin/bash
# Hopper (this branch = main's worker) and pg-boss, interleaved, counted per job; pg-boss schema dropped before each of its runs (fresh, as on a new server), no VACUUM.
source /work/env.sh && cd /work/wt/pgdrain2 && eval "$(pnpm -s services env)"
for i in 1 2 3; do
  for lib in hopper pg-boss; do
    [ $lib = pg-boss ] && psql "$HOPPER_TEST_POSTGRES_URL" -qc "DROP SCHEMA IF EXISTS bench_pgboss CASCADE" 2>/dev/null
    echo "### round $i $lib $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/postgres-drain-profile.ts $lib $HOPPER_TEST_POSTGRES_URL 10000 1,10,50 1 2>&1 | grep -v '^$')
  done
done
