#!/bin/bash
# usage: ab-drain.sh BLOCKS JOBS CONCURRENCIES OUT   e.g. ab-drain.sh 10 10000 1,10,50 /tmp/pgplan2/drain
# Interleaved A/B of the PostgreSQL drain profile (server CPU per drained job from /proc of the server's backends,
# Node CPU per job, jobs/s): A = main, B = this branch (ab-sides.sh).
source "$(dirname "$(readlink -f "$0")")/ab-sides.sh"
mkdir -p "$4"
for block in $(seq 1 "$1"); do
  for side in A B; do
    use_side $side
    echo "== block $block side $side load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$4/$side.txt"
    (cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/postgres-drain-profile.ts hopper "$HOPPER_TEST_POSTGRES_URL" "$2" "$3" 1) 2>&1 | grep -E "drain c=|server CPU" >> "$4/$side.txt"
  done
done
