#!/bin/bash
# Alternated runs of single-enqueue-alloc.ts in two checkouts (base first in each pair), appended to <out>:
#   BASE_DIR=/tmp/pgs/base BRANCH_DIR=/work/wt/pgsingle ab-alloc.sh <out> <pairs> <jobs> <rounds> <callers>
# Needs HOPPER_TEST_POSTGRES_URL; the probe is run from BRANCH_DIR's copy in both checkouts' apps/bench.
set -e
out=$1; pairs=$2; jobs=$3; rounds=$4; callers=$5
probe=$BRANCH_DIR/apps/bench/src/probe/single-enqueue-alloc.ts
for pair in $(seq 1 "$pairs"); do
  for side in base branch; do
    dir=$BASE_DIR; [ "$side" = branch ] && dir=$BRANCH_DIR
    cp "$probe" "$dir/apps/bench/src/probe/single-enqueue-alloc.ts" 2>/dev/null || true
    echo "# $side pair $pair $(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out"
    (cd "$dir/apps/bench" && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
      src/probe/single-enqueue-alloc.ts hopper "$HOPPER_TEST_POSTGRES_URL" "$jobs" "$rounds" 5000 "$callers" | sed "s/^hopper/$side/") >> "$out"
  done
done
