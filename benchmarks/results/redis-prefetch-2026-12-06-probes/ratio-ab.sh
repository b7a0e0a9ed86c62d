#!/bin/bash
# Hopper ÷ raw ioredis on the Redis drain, one bench run per sample (both subjects), prefetch 200 and 1000 alternating
# (and the subjects' order alternating). Args: rounds, out dir.
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
out=${2:-/work/probes57/ratio-ab}; mkdir -p $out
for i in $(seq 1 ${1:-10}); do
  if [ $((i % 2)) = 1 ]; then prefetches="200 1000"; order=hopper,raw; else prefetches="1000 200"; order=raw,hopper; fi
  for p in $prefetches; do
    HOPPER_BENCH_PREFETCH=$p pnpm -s bench -b redis -k $order -s drain -c ${C:-10,50} -n 10000 -r 5 --warmup 1 --no-services --progress plain -o $out/r$i-p$p >/dev/null 2>&1
    echo "round $i prefetch $p order $order $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) | $(grep -E '^\| redis \| redis/raw' $out/r$i-p$p/latest.md | cut -d'|' -f7-8)"
  done
done
