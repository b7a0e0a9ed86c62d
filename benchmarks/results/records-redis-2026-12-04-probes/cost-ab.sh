#!/usr/bin/env bash
# Interleaved cost-per-job, records off/on, main's Redis scripts (before) against this branch's (after).
#   benchmarks/results/records-redis-2026-12-04-probes/cost-ab.sh <rounds> <out dir> <mode: drain|bulk|single> [base commit]
# Needs HOPPER_TEST_REDIS_URL (a server no one else uses: the server figures are its whole INFO deltas).
set -euo pipefail
rounds=$1 out=$2 mode=$3 base=${4:-cb71fb4}
root=$(git rev-parse --show-toplevel)
mkdir -p "$out"
restore() { git -C "$root" checkout HEAD -- packages/redis/src/scripts; }
trap restore EXIT
for round in $(seq 1 "$rounds"); do
  for code in before after; do
    if [ "$code" = before ]; then git -C "$root" checkout "$base" -- packages/redis/src/scripts; else restore; fi
    for records in off on; do
      echo "== round $round $code $records $(uptime | sed 's/.*load/load/')" | tee -a "$out/$mode.txt"
      HOPPER_BENCH_RECORDS=$records PROBE_CONCURRENCY=10 PROBE_BULK_CALL=100 pnpm -s --filter @hopper/bench cost-per-job hopper "$HOPPER_TEST_REDIS_URL" 5000 10 "$mode" 2>&1 | tee -a "$out/$mode.txt"
    done
  done
done
