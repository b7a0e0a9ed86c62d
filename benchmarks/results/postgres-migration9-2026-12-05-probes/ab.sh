#!/bin/bash
# Migration 9 against its base (6026710~1, migration 8), alternated run by run (base first in odd rounds, main first
# in even ones), each on its own checkout's `pnpm services` PostgreSQL (one server per side, kept for all rounds):
#   drain:   postgres-drain-profile.ts, 20,000 jobs, c = 1, 10, 50 (counted server CPU and statements per job)
#   enqueue: postgres-enqueue-profile.ts, bulk 20,000 (calls of 1,000) and single 3,000 (10 in flight)
#   benchmarks/results/postgres-migration9-2026-12-05-probes/ab.sh <drain|enqueue> <rounds> > out.txt
# BASE=<checkout> compares against another base checkout (postgres-token-lookup-2026-12-05.md: /work/wt/basetok).
source /work/env.sh
case "${1:?drain or enqueue}" in
  drain) probe=(src/probe/postgres-drain-profile.ts hopper URL 20000 1,10,50 1) ;;
  enqueue) probe=(src/probe/postgres-enqueue-profile.ts hopper URL 20000 3000 1) ;;
  *) echo "usage: $0 <drain|enqueue> <rounds>" >&2; exit 2 ;;
esac
run() {
  local side=$1 dir=/work/main
  [ "$side" = base ] && dir=${BASE:-/work/wt/base46}
  echo "### side=$side $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd "$dir" && eval "$(pnpm -s services env)" && cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
    "${probe[@]/URL/$HOPPER_TEST_POSTGRES_URL}" 2>&1 | grep -v '^$')
}
for i in $(seq 1 "${2:-6}"); do
  if (( i % 2 )); then run base; run main; else run main; run base; fi
done
