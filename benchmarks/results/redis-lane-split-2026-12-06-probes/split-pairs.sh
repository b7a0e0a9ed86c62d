#!/bin/bash
# usage: split-pairs.sh <pairs> <splitA> <splitB> <out>; alternates A,B (B first on odd pairs)
cd /work/main/apps/bench
for p in $(seq 1 $1); do
  if (( p % 2 )); then order="$2 $3"; else order="$3 $2"; fi
  for sp in $order; do
    echo "@@@ split=$sp pair=$p load=$(cut -d' ' -f1 /proc/loadavg)"
    HOPPER_LANE_SPLIT=$sp node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/single-enqueue-rate.ts hopper $HOPPER_TEST_REDIS_URL 10000 10 3 2>&1 | tail -3
  done
done > $4
