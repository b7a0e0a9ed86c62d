#!/bin/bash
# Records on, base checkout (version 4 job ids) and this checkout (version 7) alternated, base first in odd rounds,
# both on the one server at URL, with a CHECKPOINT before each run (full-page writes on, as production runs: the
# state right after one). The server already holds earlier work: 2,000,000 finished records in job_records (drain)
# or a backlog of 1,000,000 waiting jobs with records in messages (enqueue; backlog.sql).
#   drain:   postgres-drain-profile.ts, 20,000 jobs, c = 10 (server CPU and WAL per drained job)
#   enqueue: postgres-enqueue-profile.ts, bulk 20,000 (calls of 1,000) and single 3,000 (10 in flight)
#   URL=postgres://… BASE=/work/wt/base49 benchmarks/results/job-ids-v7-2026-12-05-probes/ab.sh <drain|enqueue> <rounds> > out.txt
# RECORDS=off runs both sides with records off.
source /work/env.sh
case "${1:?drain or enqueue}" in
  drain) probe=(src/probe/postgres-drain-profile.ts hopper "$URL" 20000 10 1) ;;
  enqueue) probe=(src/probe/postgres-enqueue-profile.ts hopper "$URL" 20000 3000 1) ;;
  *) echo "usage: $0 <drain|enqueue> <rounds>" >&2; exit 2 ;;
esac
run() {
  local side=$1 dir=/work/main
  [ "$side" = base ] && dir=${BASE:-/work/wt/base49}
  psql "$URL" -qAtc "CHECKPOINT"
  echo "### side=$side $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) job_records $(psql "$URL" -Atc "SELECT count(*) FROM hopper.job_records") messages $(psql "$URL" -Atc "SELECT count(*) FROM hopper.messages")"
  (cd "$dir/apps/bench" && HOPPER_BENCH_RECORDS=${RECORDS:-on} node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings "${probe[@]}" 2>&1 | grep -v '^$')
}
for i in $(seq 1 "${2:-6}"); do
  if (( i % 2 )); then run base; run main; else run main; run base; fi
done
