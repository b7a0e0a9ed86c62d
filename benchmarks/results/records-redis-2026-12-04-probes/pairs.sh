#!/bin/bash
# Interleaved bench runs, records off then on, for main's Redis scripts (before) and this branch's (after).
#   benchmarks/results/records-redis-2026-12-04-probes/pairs.sh <n pairs> <out dir> [codes: "after" or "before after"] [base commit]
# Needs HOPPER_TEST_REDIS_URL (eval "$(pnpm -s services env)"). Summary: pairsum.py <out dir> (records-2026-12-04-probes/).
cd "$(git rev-parse --show-toplevel)"
n=$1; out=$2; codes=${3:-after}; base=${4:-cb71fb4}
mkdir -p "$out"
trap 'git checkout HEAD -- packages/redis/src/scripts' EXIT
for i in $(seq 1 "$n"); do
  for code in $codes; do
    if [ "$code" = before ]; then git checkout "$base" -- packages/redis/src/scripts; else git checkout HEAD -- packages/redis/src/scripts; fi
    for r in off on; do
      echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) pair=$i code=$code records=$r" >> "$out/log.txt"
      HOPPER_BENCH_RECORDS=$r pnpm -s bench -b redis -k hopper -s enqueue,drain -c 10 -n 5000 --single-jobs 2000 --bulk-jobs 5000 \
        -r 1 --warmup 1 --progress plain --no-services -o "$out/$code-$r-$i" > "$out/$code-$r-$i.out" 2>&1
    done
  done
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
