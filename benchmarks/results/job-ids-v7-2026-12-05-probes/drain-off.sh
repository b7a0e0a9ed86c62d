#!/bin/bash
# The same drain as drain-ab.sh with records off, this checkout only (ids do not reach any index with records off:
# messages has none on id), on the same server: what records cost there.
#   URL=postgres://… benchmarks/results/job-ids-v7-2026-12-05-probes/drain-off.sh <runs> > out.txt
source /work/env.sh
for i in $(seq 1 "${1:-4}"); do
  psql "$URL" -qAtc "CHECKPOINT"
  echo "### side=off $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd /work/main/apps/bench && HOPPER_BENCH_RECORDS=off node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
    src/probe/postgres-drain-profile.ts hopper "$URL" 20000 10 1 2>&1 | grep -A1 "jobs/s")
done
