#!/bin/bash
# Interleaved A/B: A = /work/main (main, run read-only), B = this worktree (branch pgyield), same servers
# (this worktree's `pnpm services`). Modes:
#   ab.sh probe > probe-ab.txt        postgres-drain-profile.ts hopper <url> 20000 1,10,50 1   (counted per job)
#   ab.sh postgres > bench-postgres-ab.txt   pnpm bench -b postgres -k hopper -s drain -c 1,10,50 -n 20000
#   ab.sh redis > bench-redis-ab.txt         the same with -b redis
# PAIRS sets the number of pairs (default 10); OUT the directory for the bench's own output; ALTERNATE=1 runs
# even pairs B first (A B B A …), so something periodic on the server (autovacuum) does not fall on one side.
mode=${1:-probe}
source /work/env.sh && cd /work/wt/pgyield && eval "$(pnpm -s services env)"
out=${OUT:-/tmp/pgy/ab}
for i in $(seq 1 ${PAIRS:-10}); do
  sides="A B"; if [ -n "$ALTERNATE" ] && [ $((i % 2)) = 0 ]; then sides="B A"; fi
  for side in $sides; do
    if [ $side = A ]; then dir=/work/main; else dir=/work/wt/pgyield; fi
    echo "### pair $i $side $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    if [ "$mode" = probe ]; then
      (cd $dir/apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/postgres-drain-profile.ts hopper $HOPPER_TEST_POSTGRES_URL 20000 1,10,50 1 2>&1 | grep -v '^$')
    else
      (cd $dir && pnpm -s bench -b $mode -k hopper -s drain -c 1,10,50 -n 20000 --no-services --progress plain -o $out/$mode-$i-$side 2>&1 | grep -E "skip|error")
      grep -E "^\| \*\*$mode/hopper\*\* \| Hopper" $out/$mode-$i-$side/latest.md
      echo "end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    fi
  done
done
