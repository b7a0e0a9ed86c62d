#!/bin/bash
# The claim and the ack alone with records off and on (apps/bench/src/probe/postgres-record-drain-plans.ts: backend
# CPU, WAL and buffers per job, each statement under EXPLAIN ANALYZE), main and the base checkout alternated, each on
# its own `pnpm services` PostgreSQL (run ab.sh drain first there: it makes the schema and job_records).
#   benchmarks/results/postgres-token-lookup-2026-12-05-probes/ack-cpu-ab.sh <rounds> > out.txt
source /work/env.sh
run() {
  local side=$1 dir=/work/main
  [ "$side" = base ] && dir=${BASE:-/work/wt/basetok}
  echo "### side=$side $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd "$dir" && eval "$(pnpm -s services env)" && cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
    src/probe/postgres-record-drain-plans.ts "$HOPPER_TEST_POSTGRES_URL" 2000 5 2>&1 | grep -v '^$')
}
for i in $(seq 1 "${1:-4}"); do
  if (( i % 2 )); then run base; run main; else run main; run base; fi
done
