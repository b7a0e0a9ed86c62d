#!/usr/bin/env bash
# Interleaved runs of the Redis drain with the Hopper subject's leases written into the message ("message") and
# compact ("compact", HOPPER_BENCH_REDIS_LEASES), raw ioredis in every run; the order within a pair alternates
# (message first in odd pairs). Usage: pairs.sh <pairs> <out dir>; needs `eval "$(pnpm -s services env)"`.
set -euo pipefail
pairs=$1 out=$2
mkdir -p "$out"
for pair in $(seq 1 "$pairs"); do
  if (( pair % 2 )); then modes="message compact"; else modes="compact message"; fi
  for mode in $modes; do
    echo "pair $pair $mode $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    HOPPER_BENCH_REDIS_LEASES=$mode pnpm -s bench -s drain -c 10,50 -n 10000 -r 3 -b redis -k hopper,raw --progress plain --no-services -o "$out/$pair-$mode" > "$out/$pair-$mode.log" 2>&1
  done
done
