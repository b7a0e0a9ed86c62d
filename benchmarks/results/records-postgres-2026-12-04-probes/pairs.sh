#!/bin/bash
# Interleaved wall-clock pairs, records off then on, of main's PostgreSQL code (cb71fb4, "before") and this
# branch's ("after") in each round, the order of the two codes alternating by round (issue #20).
#   usage: pairs.sh <rounds> <outdir>     (from the repository root, after eval "$(pnpm -s services env)")
# Summary: python3 benchmarks/results/records-2026-12-04-probes/pairsum.py <outdir>
cd "$(git rev-parse --show-toplevel)"
n=$1; out=$2; base=cb71fb4
mkdir -p $out
trap 'git checkout HEAD -- packages/postgres/src' EXIT
for i in $(seq 1 $n); do
  if [ $((i % 2)) = 1 ]; then codes="before after"; else codes="after before"; fi
  for code in $codes; do
    if [ $code = before ]; then git checkout $base -- packages/postgres/src; else git checkout HEAD -- packages/postgres/src; fi
    for r in off on; do
      echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) round=$i code=$code records=$r" >> $out/log.txt
      HOPPER_BENCH_RECORDS=$r pnpm -s bench -b postgres -k hopper -s enqueue,drain -c 10 -n 5000 --single-jobs 2000 --bulk-jobs 5000 -r 1 --warmup 1 --progress plain --no-services -o $out/$code-$r-$i > $out/$code-$r-$i.out 2>&1
    done
  done
done
echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) done" >> $out/log.txt
