#!/bin/bash
# Records off then on, before (main's record arguments) and after (this branch's) interleaved, Redis only; each run
# the command of pairs.sh beside this file. From the repository root, services env set:
#   pairs-ab.sh <n rounds> <out dir>     (summary per code: sum.py over <out dir>/before and <out dir>/after)
n=$1; out=$2; here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/before" "$out/after"
trap '"$here/swap.sh" after' EXIT
for i in $(seq 1 "$n"); do
  for code in before after; do
    "$here/swap.sh" "$code"
    for r in off on; do
      echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) round=$i code=$code records=$r" >> "$out/log.txt"
      HOPPER_BENCH_RECORDS=$r pnpm -s bench -b redis -k hopper -s enqueue,drain -c 10 -n 5000 --single-jobs 2000 --bulk-jobs 5000 \
        -r 1 --warmup 1 --progress plain --no-services -o "$out/$code/$r-$i" > "$out/$code/$r-$i.out" 2>&1
    done
  done
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
