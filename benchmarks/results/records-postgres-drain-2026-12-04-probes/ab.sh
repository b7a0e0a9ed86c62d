#!/bin/bash
# Records off then on, with packages/postgres/src at <base> (records in job_records rows) and at <branch> (records in
# message rows) in turn: base off, base on, branch off, branch on per round. Run from the repository root with the
# services env set and a clean work tree; it leaves packages/postgres/src at <branch>.
#   ab.sh cost <rounds> <base> <branch> <out file>   apps/bench's cost-per-job probe (3000 jobs, calls of 10/1000, c=10):
#                                                    Node CPU, server CPU and WAL per job; sum with cost-sum.py <out file>
#   ab.sh pairs <rounds> <base> <branch> <out dir>   the bench command of records-quiet-2026-12-04b-probes/pairs.sh (copied from records-postgres-row-2026-12-04-probes/ab.sh) with
#                                                    -b postgres; sum with records-quiet-2026-12-04b-probes/sum.py <out dir>/<base|branch>
mode=$1; rounds=$2; base=$3; branch=$4; out=$5
[ "$mode" = pairs ] && mkdir -p "$out/base" "$out/branch"
for i in $(seq 1 "$rounds"); do
  for code in base branch; do
    commit=$base; [ "$code" = branch ] && commit=$branch
    rm -f packages/postgres/src/migrations/000005_records_in_message_rows.sql
    git checkout -q "$commit" -- packages/postgres/src
    for r in off on; do
      line="$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) round=$i code=$code($commit) records=$r"
      if [ "$mode" = cost ]; then
        echo "## $line" >> "$out"
        HOPPER_BENCH_RECORDS=$r PROBE_CONCURRENCY=10 pnpm -s --filter @hopper/bench cost-per-job hopper "$HOPPER_TEST_POSTGRES_URL" 3000 10 >> "$out" 2>&1
      else
        echo "$line" >> "$out/log.txt"
        HOPPER_BENCH_RECORDS=$r pnpm -s bench -b postgres -k hopper -s enqueue,drain -c 10 -n 5000 --single-jobs 2000 --bulk-jobs 5000 \
          -r 1 --warmup 1 --progress plain --no-services -o "$out/$code/$r-$i" > "$out/$code/$r-$i.out" 2>&1
      fi
    done
  done
done
git checkout -q "$branch" -- packages/postgres/src
