#!/bin/bash
# Hopper's Redis enqueue -> start latency at a fixed rate, prefetch 200 and 1000 alternating. Args: rounds, rate, out dir.
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
out=${3:-/work/probes57/latency-ab}; mkdir -p $out
for i in $(seq ${FROM:-1} ${1:-5}); do
  if [ $((i % 2)) = 1 ]; then order="200 1000"; else order="1000 200"; fi
  for p in $order; do
    HOPPER_BENCH_PREFETCH=$p pnpm -s bench --profile full -b redis -k hopper -s latency --rate ${2:-8000} --latency-worker process --no-services --progress plain -o $out/r$i-p$p >/dev/null 2>&1
    echo "round $i prefetch $p $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) $(grep -E "^\| \*\*redis/hopper\*\* \| (80000|[0-9,]+ jobs/s)" $out/r$i-p$p/run-*.md | cut -c1-200 | paste -sd" ")"
  done
done
