#!/bin/bash
# ioredis 5 (/work/wt/io5, main) against ioredis 6 (/work/main, branch io6): cost per job, alternating. Args: library, jobs, mode, rounds.
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
lib=${1:-hopper}; jobs=${2:-5000}; mode=${3:-single}; rounds=${4:-3}
for i in $(seq 1 $rounds); do
  for tree in /work/wt/io5 /work/main; do
    [ $((i % 2)) = 0 ] && tree=$([ $tree = /work/wt/io5 ] && echo /work/main || echo /work/wt/io5)
    v=$(cd $tree/apps/bench && node -p 'require("ioredis/package.json").version')
    echo "### round $i ioredis $v $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    (cd $tree/apps/bench && timeout 300 node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/cost-per-job.ts $lib $HOPPER_TEST_REDIS_URL $jobs 10 $mode 2>&1 | grep -vE "^\s*$" | tail -4)
  done
done
