#!/bin/bash
# The third set of ../latency-layouts-2026-12-05.md (09:44-09:57): process first, six runs alternated. Run with -o /work/latsplit-lead/out2, files copied after.
source /work/env.sh; cd /work/main; eval "$(pnpm -s services env)"
for one in process same process same process same; do
  echo "$(date -u +%FT%TZ) start $one; $(uptime)"
  pnpm -s bench --profile full -s latency -b redis,postgres -k hopper --latency-worker "$one" --progress plain --no-services -o /work/latsplit-lead/../latency-layouts-2026-12-05 (third set) 2>&1 | grep -E "wrote|failed|skip|p99"
  echo "$(date -u +%FT%TZ) end $one; $(uptime)"
done
