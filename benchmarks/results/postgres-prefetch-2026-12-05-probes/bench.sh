#!/bin/bash
# The bench's own drain, Hopper on $1 (redis|postgres), prefetch values $PREFETCHES interleaved, $ROUNDS rounds.
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
for i in $(seq 1 ${ROUNDS:-4}); do
  for P in ${PREFETCHES:-200 1000}; do
    echo "### round $i prefetch $P $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    HOPPER_BENCH_PREFETCH=$P pnpm -s bench -b $1 -k hopper -s drain -c 1,10,50 -n 20000 --no-services --progress plain -o /tmp/prefetch-ab-out >/dev/null 2>&1; grep -F "Hopper worker, no-op job" /tmp/prefetch-ab-out/latest.md
  done
done
