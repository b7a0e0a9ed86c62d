#!/bin/bash
# Hopper's Redis drain at c = 50 with different prefetch limits, interleaved. Args: rounds, prefetch list.
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
out=/work/probes57/prefetch; mkdir -p $out
for i in $(seq 1 ${1:-6}); do
  for p in ${2:-200 800}; do
    HOPPER_BENCH_PREFETCH=$p pnpm -s bench -b redis -k hopper -s drain -c 50 -n 20000 -r 5 --warmup 1 --no-services --progress plain -o $out/r$i-p$p >/dev/null 2>&1
    echo "round $i prefetch $p $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) $(grep -E '^\| \*\*redis/hopper\*\* \|' $out/r$i-p$p/latest.md | head -1 | awk -F'|' '{print $(NF-1)}')"
  done
done
