#!/bin/bash
# ioredis 6, Hopper's connections at protocol 2 against 3 (env HOPPER_PROBE_PROTOCOL, a probe-only patch), and ioredis 5; alternating. Args: jobs, mode, rounds.
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
jobs=${1:-20000}; mode=${2:-drain}; rounds=${3:-3}
for i in $(seq 1 $rounds); do
  for variant in io5 p2 p3; do
    tree=/work/main; [ $variant = io5 ] && tree=/work/wt/io5
    echo "### round $i $variant $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    (cd $tree/apps/bench && HOPPER_PROBE_PROTOCOL=$([ $variant = io5 ] || echo ${variant#p}) timeout 300 node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/cost-per-job.ts hopper $HOPPER_TEST_REDIS_URL $jobs 10 $mode 2>&1 | grep -E "^(drain|enqueue single)" | sed -E 's/; syscalls.*server CPU/ … server CPU/')
  done
done
