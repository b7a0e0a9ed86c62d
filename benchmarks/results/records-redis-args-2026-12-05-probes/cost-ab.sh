#!/usr/bin/env bash
# Interleaved cost-per-job, records off/on, main's record arguments (before) against this branch's (after):
#   benchmarks/results/records-redis-args-2026-12-05-probes/cost-ab.sh <rounds> <out dir> <mode: drain|bulk|single>
# each round: before off, before on, after off, after on, each:
#   HOPPER_BENCH_RECORDS=off|on PROBE_CONCURRENCY=10 PROBE_BULK_CALL=100 pnpm -s --filter @hopper/bench cost-per-job hopper $HOPPER_TEST_REDIS_URL ${JOBS:-5000} 10 <mode>
# Needs HOPPER_TEST_REDIS_URL (a server no one else uses: the server figures are its whole INFO deltas).
# Summary: python3 benchmarks/results/records-redis-2026-12-04-probes/cost-sum.py <out dir>/<mode>.txt
set -euo pipefail
rounds=$1 out=$2 mode=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
trap '"$here/swap.sh" after' EXIT
for round in $(seq 1 "$rounds"); do
  for code in before after; do
    "$here/swap.sh" "$code"
    for records in off on; do
      echo "== round $round $code $records $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/$mode.txt"
      HOPPER_BENCH_RECORDS=$records PROBE_CONCURRENCY=10 PROBE_BULK_CALL=100 pnpm -s --filter @hopper/bench cost-per-job hopper "$HOPPER_TEST_REDIS_URL" "${JOBS:-5000}" 10 "$mode" 2>&1 | tee -a "$out/$mode.txt"
    done
  done
done
