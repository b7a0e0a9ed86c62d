#!/bin/bash
# The runs of ../latency-layouts-2026-12-05.md: the full-profile latency scenario for Hopper on Redis and PostgreSQL,
# alternating the latency worker layout, each run's load before and after (run from anywhere; main checkout's services up).
# (run with -o /work/latsplit-lead/out, the run files copied into ../latency-layouts-2026-12-05/ after.)
source /work/env.sh; cd /work/main; eval "$(pnpm -s services env)"
for one in same process same process; do
  echo "$(date -u +%FT%TZ) start $one; $(uptime)"
  pnpm -s bench --profile full -s latency -b redis,postgres -k hopper --latency-worker "$one" --progress plain --no-services -o benchmarks/results/latency-layouts-2026-12-05 2>&1 | grep -E "wrote|failed|skip|p99" 
  echo "$(date -u +%FT%TZ) end $one; $(uptime)"
done
