#!/bin/bash
# As ab.sh, for the enqueue probe (bulk in calls of 1,000 and single with 10 in flight): server CPU and WAL per job.
#   benchmarks/results/postgres-migration9-2026-12-05-probes/ab-enqueue.sh <rounds> > out.txt
source /work/env.sh
run() {
  local side=$1 dir=/work/main
  [ "$side" = base ] && dir=/work/wt/base46
  echo "### side=$side $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd "$dir" && eval "$(pnpm -s services env)" && cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
    src/probe/postgres-enqueue-profile.ts hopper "$HOPPER_TEST_POSTGRES_URL" 20000 3000 1 2>&1 | grep -v '^$')
}
for i in $(seq 1 "${1:-6}"); do
  if (( i % 2 )); then run base; run main; else run main; run base; fi
done
