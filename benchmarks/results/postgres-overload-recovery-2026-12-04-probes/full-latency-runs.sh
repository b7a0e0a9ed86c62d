#!/bin/bash
# usage: full-latency-runs.sh TAG — 3 × (hopper, raw) interleaved full-profile latency runs on postgres, each on fresh tables, into /tmp/pgb/TAG
source /work/env.sh && cd /work/wt/pgburst && eval "$(pnpm -s services env)"
for i in 1 2 3; do
  for kind in hopper raw; do
    psql "$HOPPER_TEST_POSTGRES_URL" -qc "DROP SCHEMA IF EXISTS hopper CASCADE" -c "DROP TABLE IF EXISTS bench_raw_jobs" 2>&1 | grep -v NOTICE
    out=/tmp/pgb/$1/$kind-$i; mkdir -p $out
    echo "=== $1 $kind run $i commit $(git rev-parse --short HEAD) start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    pnpm -s bench --profile full -s latency -b postgres -k $kind --no-services --progress plain -o $out > $out/log 2>&1
    echo "    end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    grep -h "rate search\|half of\|p99" $out/log | tr '\n' ' ' | cut -c1-600; echo
  done
done
