#!/bin/bash
# The claim and the ack alone with records off and on (apps/bench/src/probe/postgres-record-drain-plans.ts: server CPU,
# WAL and buffers per job), main and the base checkout alternated (base first in odd rounds), each on its own
# `pnpm services` PostgreSQL, or both on the server at URL when it is set; the probe's options follow the rounds
# (e.g. --kept --batch=500).
#   [URL=postgres://…] BASE=/work/wt/base48 benchmarks/results/postgres-records-kept-2026-12-05-probes/ab.sh <rounds> [probe options] > out.txt
source /work/env.sh
rounds=${1:-4}; shift
run() {
  local side=$1 dir=/work/main
  [ "$side" = base ] && dir=${BASE:-/work/wt/base48}
  echo "### side=$side $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd "$dir" && eval "$(pnpm -s services env)" && HOPPER_TEST_POSTGRES_URL=${URL:-$HOPPER_TEST_POSTGRES_URL} && cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
    src/probe/postgres-record-drain-plans.ts "$HOPPER_TEST_POSTGRES_URL" 2000 5 "$@" 2>&1 | grep -v '^$')
}
for i in $(seq 1 "$rounds"); do
  if (( i % 2 )); then run base "$@"; run main "$@"; else run main "$@"; run base "$@"; fi
done
