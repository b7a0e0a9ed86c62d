#!/usr/bin/env bash
# Main before the pull pacer (/work/wt/base50, 1734f91) and after it (/work/main), alternated, services from /work/main's
# `pnpm services`: ab.sh rolling|bench <rounds> <out dir>
#   rolling: the Pub/Sub rolling deploy (packages/reliability, CI profile), one line per run on stdout;
#   bench:   `pnpm bench -b pubsub -k hopper -s enqueue,drain` (default profile); summary: bench-ab-sum.py <out dir>.
source /work/env.sh
mode=$1; rounds=$2; out=$3; mkdir -p "$out"
eval "$(cd /work/main && pnpm -s services env)"
for round in $(seq 1 "$rounds"); do
  for side in before after; do
    dir=/work/wt/base50; [ $side = after ] && dir=/work/main
    if [ "$mode" = rolling ]; then
      (cd $dir && RELIABILITY_BACKENDS=pubsub CI=true HOPPER_SERVICES=redis,postgres,pubsub timeout 600 pnpm -s test:reliability packages/reliability/src/rolling-deploy.reliability.ts > "$out/$side-$round.log" 2>&1)
      echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) $side $round: $(sed 's/\x1b\[[0-9;]*m//g' "$out/$side-$round.log" | grep -aoE 'holds by v1/v2 workers [^)]*\)|[0-9]+ lost|drain after the last enqueue [0-9.]+ s|Tests  .*' | tr '\n' ' ')"
      (cd $dir && git checkout -q benchmarks/results/rolling-deploy.json benchmarks/results/rolling-deploy.md)
    else
      echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) $side $round" >> "$out/log.txt"
      (cd $dir && pnpm -s bench -b pubsub -k hopper -s enqueue,drain --progress plain --no-services -o "$out/$side-$round" > "$out/$side-$round.out" 2>&1)
    fi
  done
done
[ "$mode" = bench ] && echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
exit 0
