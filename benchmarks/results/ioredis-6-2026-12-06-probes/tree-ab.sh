#!/bin/bash
# Cost per job of Hopper across trees, alternating (order rotating each round). Args: jobs, mode, rounds, trees...
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
jobs=$1; mode=$2; rounds=$3; shift 3; trees=("$@")
for i in $(seq 1 $rounds); do
  n=${#trees[@]}
  for k in $(seq 0 $((n-1))); do
    tree=${trees[$(( (k + i) % n ))]}
    echo "### round $i $tree $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    (cd $tree/apps/bench && timeout 300 node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/cost-per-job.ts ${LIB:-hopper} $HOPPER_TEST_REDIS_URL $jobs 10 $mode 2>&1 | grep -E "^(drain|enqueue single)" | sed -E 's/; syscalls.*server CPU/ … server CPU/')
  done
done
