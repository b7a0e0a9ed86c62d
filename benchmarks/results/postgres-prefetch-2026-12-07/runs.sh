#!/bin/bash
# Hopper's PostgreSQL drains at its default prefetch (1,000) and at 2,000, interleaved (A, B, A, B ...).
#   runs.sh <first pair> <last pair> <out dir>   (from the repository root, services env set)
first=$1; last=$2; out=$3; mkdir -p "$out"
for i in $(seq "$first" "$last"); do
  for p in default 2000; do
    echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) pair=$i prefetch=$p" >> "$out/log.txt"
    if [ "$p" = default ]; then env -u HOPPER_BENCH_PREFETCH pnpm -s bench --profile full -s drain -b postgres -k hopper -r 3 --progress plain --no-services -o "$out/$p-$i" > "$out/$p-$i.out" 2>&1
    else HOPPER_BENCH_PREFETCH=$p pnpm -s bench --profile full -s drain -b postgres -k hopper -r 3 --progress plain --no-services -o "$out/$p-$i" > "$out/$p-$i.out" 2>&1; fi
  done
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
