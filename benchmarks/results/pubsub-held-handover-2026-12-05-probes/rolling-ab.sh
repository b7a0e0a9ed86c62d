#!/usr/bin/env bash
# The Pub/Sub rolling deploy (packages/reliability, CI profile) on main before the change (/work/wt/base50, 1734f91)
# and after it (/work/main), alternated: rolling-ab.sh <rounds> <out dir>. Services from /work/main's `pnpm services`.
source /work/env.sh
rounds=$1; out=$2; mkdir -p "$out"
eval "$(cd /work/main && pnpm -s services env)"
for round in $(seq 1 "$rounds"); do
  for side in before after; do
    dir=/work/wt/base50; [ $side = after ] && dir=/work/main
    (cd $dir && RELIABILITY_BACKENDS=pubsub CI=true HOPPER_SERVICES=redis,postgres,pubsub timeout 600 pnpm -s test:reliability packages/reliability/src/rolling-deploy.reliability.ts > "$out/$side-$round.log" 2>&1)
    echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) $side $round: $(sed 's/\x1b\[[0-9;]*m//g' "$out/$side-$round.log" | grep -aoE 'holds by v1/v2 workers [^)]*\)|[0-9]+ lost|drain after the last enqueue [0-9.]+ s|Tests  .*' | tr '\n' ' ')"
    (cd $dir && git checkout -q benchmarks/results/rolling-deploy.json benchmarks/results/rolling-deploy.md)
  done
done
