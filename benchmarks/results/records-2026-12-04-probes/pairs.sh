#!/bin/bash
# usage: pairs.sh <n pairs> <outdir> [codes: "after" or "before after"]
# needs HOPPER_TEST_REDIS_URL (eval "$(pnpm -s services env)"); run from the repository root
cd "$(git rev-parse --show-toplevel)"
n=$1; out=$2; codes=${3:-after}; base=30a2154
mkdir -p $out
trap 'git checkout HEAD -- packages/core/src' EXIT
for i in $(seq 1 $n); do
  for code in $codes; do
    if [ $code = before ]; then git checkout $base -- packages/core/src; else git checkout HEAD -- packages/core/src; fi
    for r in off on; do
      echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) pair=$i code=$code records=$r" >> $out/log.txt
      HOPPER_BENCH_RECORDS=$r nice -n 19 pnpm -s bench -b redis -k hopper -s enqueue,drain -c 10 -n 5000 --single-jobs 300 --bulk-jobs 2000 -r 1 --warmup 1 --progress plain --no-services -o $out/$code-$r-$i > $out/$code-$r-$i.out 2>&1
    done
  done
done
echo done >> $out/log.txt
