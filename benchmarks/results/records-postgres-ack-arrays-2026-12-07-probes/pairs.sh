#!/bin/bash
# Drain cost per job, records off / on before this change (a clone at f649276, $BEFORE) / on after (this checkout), interleaved.
# Usage: BEFORE=/path/to/clone-at-f649276 pairs.sh <reps>   (with `pnpm -s services up redis postgres` running here)
set -e
here=$(cd "$(dirname "$0")/../../.." && pwd)
eval "$(cd "$here" && pnpm -s services env)"
for rep in $(seq 1 "${1:-4}"); do for v in off before after; do
  dir=$here/apps/bench; rec=on
  [ $v = before ] && dir=$BEFORE/apps/bench
  [ $v = off ] && rec=off
  echo "== $v rep $rep"
  (cd "$dir" && HOPPER_BENCH_RECORDS=$rec PROBE_CONCURRENCY=10 pnpm -s cost-per-job hopper "$HOPPER_TEST_POSTGRES_URL" 20000 10 drain 2>&1 | grep "drain c=")
done; done
