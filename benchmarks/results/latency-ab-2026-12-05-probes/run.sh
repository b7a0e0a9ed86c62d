#!/bin/bash
# alternated: base (ad2ed15) then main, PostgreSQL and Redis latency-phases at 8000 jobs/s
source /work/env.sh
cd /work/main && eval "$(pnpm -s services env)"
for i in 1 2 3 4; do
  for side in base main; do
    dir=/work/main; [ $side = base ] && dir=/work/wt/base45
    for be in pg redis; do
      url=$HOPPER_TEST_POSTGRES_URL; [ $be = redis ] && url=$HOPPER_TEST_REDIS_URL
      echo "== $(date -u +%T) load=$(cut -d' ' -f1 /proc/loadavg) pair=$i side=$side backend=$be" >> /tmp/latab/out.txt
      (cd $dir/apps/bench && timeout 120 node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/latency-phases.ts "$url" 8000 2000 4 50) >> /tmp/latab/out.txt 2>&1
    done
  done
done
echo "== done $(date -u +%T)" >> /tmp/latab/out.txt
