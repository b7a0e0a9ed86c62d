#!/bin/bash
# Records off then on, interleaved, PostgreSQL only (the command of records-quiet-2026-12-04b-probes/pairs.sh with -b postgres).
#   pairs-postgres.sh <n pairs> <out dir>    (from the repository root, services env set); sum with records-quiet-2026-12-04b-probes/sum.py <out dir>
n=$1; out=$2; mkdir -p "$out"
for i in $(seq 1 "$n"); do
  for r in off on; do
    echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) pair=$i records=$r commit=$(git rev-parse --short HEAD)" >> "$out/log.txt"
    HOPPER_BENCH_RECORDS=$r pnpm -s bench -b postgres -k hopper -s enqueue,drain -c 10 -n 5000 --single-jobs 2000 --bulk-jobs 5000 \
      -r 1 --warmup 1 --progress plain --no-services -o "$out/$r-$i" > "$out/$r-$i.out" 2>&1
  done
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
