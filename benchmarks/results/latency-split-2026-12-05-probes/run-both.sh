#!/usr/bin/env bash
# The measurement of ../latency-split-2026-12-05.md: the full-profile latency scenario for Hopper on Redis and
# PostgreSQL, alternating the latency worker layout (same, process, same, process …), each run's load before and after.
# Run from the repository root with the worktree's services up: bash benchmarks/results/latency-split-2026-12-05-probes/run-both.sh [layouts…]
set -euo pipefail
source /work/env.sh
eval "$(pnpm -s services env)"
out=benchmarks/results/latency-split-2026-12-05
log=benchmarks/results/latency-split-2026-12-05-probes/runs.log
for layout in "${@:-same process}"; do
  for one in $layout; do
    echo "$(date -u +%FT%TZ) start $one; $(uptime)" | tee -a "$log"
    pnpm -s bench --profile full -s latency -b redis,postgres -k hopper --latency-worker "$one" --progress plain --no-services -o "$out" 2>&1 | grep -E "wrote|failed|skip|p99" | tee -a "$log"
    echo "$(date -u +%FT%TZ) end $one; $(uptime)" | tee -a "$log"
  done
done
