#!/bin/bash
# Idle worker RSS, Hopper and the raw client on Redis and PostgreSQL, the order alternating (6 runs).
#   runs.sh <out dir>   (from the repository root, services env set)
out=$1; mkdir -p "$out"
for i in 1 2 3; do
  for order in hopper,raw raw,hopper; do
    echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) run=$i order=$order" >> "$out/log.txt"
    pnpm -s bench -s idle -b redis,postgres -k $order --progress plain --no-services -o "$out" >> "$out/runs.out" 2>&1
  done
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
