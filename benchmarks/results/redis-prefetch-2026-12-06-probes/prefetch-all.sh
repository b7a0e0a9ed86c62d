#!/bin/bash
# Hopper's Redis drain at c = 1, 10, 50 with two prefetch limits, interleaved (the order alternating each round). Args: rounds, out dir.
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
out=${2:-/work/probes57/prefetch-all}; mkdir -p $out
for i in $(seq 1 ${1:-10}); do
  if [ $((i % 2)) = 1 ]; then order="200 1000"; else order="1000 200"; fi
  for p in $order; do
    HOPPER_BENCH_PREFETCH=$p pnpm -s bench -b redis -k hopper -s drain -c ${C:-1,10,50} -n ${N:-20000} -r 5 --warmup 1 --no-services --progress plain -o $out/r$i-p$p >/dev/null 2>&1
    echo "round $i prefetch $p $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) $(grep -E '^\| \*\*redis/hopper\*\* \|' $out/r$i-p$p/latest.md | head -1 | cut -d'|' -f6-8)"
  done
done
