#!/bin/bash
# PostgreSQL drains, Hopper against graphile-worker and pg-boss, the subjects' order alternating (8 runs).
#   runs.sh <out dir>   (from the repository root, services env set)
out=$1; mkdir -p "$out"
for i in 1 2 3 4; do
  for order in hopper,graphile-worker,pg-boss pg-boss,graphile-worker,hopper; do
    echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) run=$i order=$order" >> "$out/log.txt"
    pnpm -s bench --profile full -s drain -b postgres -k $order -r 3 --progress plain --no-services -o "$out" >> "$out/runs.out" 2>&1
  done
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
