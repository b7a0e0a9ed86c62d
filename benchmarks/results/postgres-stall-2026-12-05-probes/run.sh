#!/usr/bin/env bash
# The latency probe again and again on one PostgreSQL (never reset), the activity sampler beside it, the worker's
# intake logged every 250 ms (one file per run). Stops once the server has taken STOP_AT jobs (default 2,000,000).
#   source /work/env.sh && eval "$(pnpm -s services env)" && benchmarks/results/postgres-stall-2026-12-05-probes/run.sh <out dir> [first run number]
set -u
out=$(realpath -m "${1:?out dir}"); run=${2:-1}; stop_at=${STOP_AT:-2000000}
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../../.." && pwd)
mkdir -p "$out"
node "$here/activity-sampler.mjs" "$HOPPER_TEST_POSTGRES_URL" >>"$out/activity.txt" 2>&1 &
sampler=$!
trap 'kill $sampler' EXIT
for (( ; ; run++ )); do
  taken=$(node "$here/taken.mjs" "$HOPPER_TEST_POSTGRES_URL")
  echo "== $(date -u +%T.%3N) run=$run load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,) $taken" | tee -a "$out/probe.txt"
  n=${taken#taken=}; n=${n%% *}
  (( n >= stop_at )) && break
  (cd "$root/apps/bench" && HOPPER_PROBE_INTAKE_LOG="$out/intake-$run.jsonl" node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
    src/probe/latency-phases.ts "$HOPPER_TEST_POSTGRES_URL" 8000 2000 4 50 2>&1) >>"$out/probe.txt" || { echo "== probe failed (exit $?)" >>"$out/probe.txt"; break; }
done
echo "== end $(date -u +%T.%3N)" >>"$out/probe.txt"
