#!/usr/bin/env bash
# One probe run right after a vacuum that finds hopper.messages empty and keeps its pages (what autovacuum does to a
# drained queue when it cannot truncate): pg_class then reads 0 rows on N pages. Leftover jobs are deleted first.
#   source /work/env.sh && eval "$(pnpm -s services env)" && benchmarks/results/postgres-stall-2026-12-05-probes/forced-empty-vacuum.sh <out dir> <label>
set -u
out=$(realpath -m "${1:?out dir}"); label=${2:?label}
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../../.." && pwd)
mkdir -p "$out"
psql "$HOPPER_TEST_POSTGRES_URL" -qAt -c "DELETE FROM hopper.messages" -c "VACUUM (TRUNCATE false) hopper.messages" \
  -c "SELECT 'planner reads: reltuples=' || reltuples || ' relpages=' || relpages FROM pg_class WHERE oid = 'hopper.messages'::regclass" | tee -a "$out/probe.txt"
echo "== $(date -u +%T.%3N) $label load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,) $(node "$here/taken.mjs" "$HOPPER_TEST_POSTGRES_URL")" | tee -a "$out/probe.txt"
(cd "$root/apps/bench" && HOPPER_PROBE_INTAKE_LOG="$out/intake-$label.jsonl" node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
  src/probe/latency-phases.ts "$HOPPER_TEST_POSTGRES_URL" 8000 2000 4 50 2>&1) >>"$out/probe.txt"
