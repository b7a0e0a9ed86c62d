#!/bin/bash
# usage: ab.sh <mode drain|bulk|single> <rounds> <out>
# needs HOPPER_TEST_REDIS_URL (eval "$(pnpm -s services env)"); run from the repository root
cd "$(git rev-parse --show-toplevel)"
mode=$1; rounds=$2; out=$3; base=30a2154; conn=${4:-$HOPPER_TEST_REDIS_URL}
trap 'git checkout HEAD -- packages/core/src' EXIT
for i in $(seq 1 $rounds); do
  for code in before after; do
    if [ $code = before ]; then git checkout $base -- packages/core/src; else git checkout HEAD -- packages/core/src; fi
    for r in off on; do
      line=$(HOPPER_BENCH_RECORDS=$r PROBE_CONCURRENCY=10 nice -n 19 pnpm -s --filter @hopper/bench cost-per-job hopper $conn 5000 10 $mode 2>&1 | grep -E "^(drain|enqueue)" | tr "\n" " ")
      echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) round=$i code=$code records=$r | $line" >> $out
    done
  done
done
