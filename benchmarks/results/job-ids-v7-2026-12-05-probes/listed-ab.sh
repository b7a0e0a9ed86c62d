#!/bin/bash
# The drain with records on (postgres-drain-profile.ts, 20,000 jobs, c = 10), this checkout, on the server at URL, the
# listing index of job_records swapped between descending (the index of tables made before) and ascending before each
# run, alternated (descending first in odd rounds), a CHECKPOINT after each swap.
#   URL=postgres://… benchmarks/results/job-ids-v7-2026-12-05-probes/listed-ab.sh <rounds> > out.txt
source /work/env.sh
index() {
  local direction=$1 columns='listed_state, finished_at, id COLLATE "C"'
  [ "$direction" = desc ] && columns='listed_state, finished_at DESC, id COLLATE "C" DESC'
  psql "$URL" -qAtc "DROP INDEX IF EXISTS hopper.job_records_listed_idx" -c "CREATE INDEX job_records_listed_idx ON hopper.job_records ($columns) WHERE listed_state IS NOT NULL" -c "CHECKPOINT"
}
run() {
  index "$1"
  echo "### side=$1 $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) job_records $(psql "$URL" -Atc "SELECT count(*) FROM hopper.job_records")"
  (cd /work/main/apps/bench && HOPPER_BENCH_RECORDS=on node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
    src/probe/postgres-drain-profile.ts hopper "$URL" 20000 10 1 2>&1 | grep -A1 "jobs/s")
}
for i in $(seq 1 "${1:-6}"); do
  if (( i % 2 )); then run desc; run asc; else run asc; run desc; fi
done
