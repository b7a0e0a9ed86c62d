#!/bin/bash
# usage: ab-enqueue.sh BLOCKS JOBS CALLERS OUT   e.g. ab-enqueue.sh 10 3000 1,10 /tmp/pgplan2/enqueue
# Interleaved A/B of single-job enqueues (apps/bench/src/probe/postgres-enqueue-single-cost.ts: server and Node CPU per
# job, jobs/s): A = main, B = this branch (ab-sides.sh).
source "$(dirname "$(readlink -f "$0")")/ab-sides.sh"
mkdir -p "$4"
for block in $(seq 1 "$1"); do
  for side in A B; do
    use_side $side
    echo "== block $block side $side load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$4/$side.txt"
    (cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/postgres-enqueue-single-cost.ts hopper "$HOPPER_TEST_POSTGRES_URL" "$2" "$3" 1) 2>&1 | grep -E "enqueue single" >> "$4/$side.txt"
  done
done
