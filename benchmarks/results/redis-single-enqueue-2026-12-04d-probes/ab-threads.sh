#!/usr/bin/env bash
# Interleaved apps/bench/src/probe/single-enqueue-threads.ts runs: a base checkout, then another checkout under each
# env setting (a label such as branch=1 when there is nothing to set). Needs HOPPER_TEST_REDIS_URL.
#   BASE_DIR=<copy of main> EXP_DIR=<this checkout> ab-threads.sh <out> <iterations> <jobs per round> <rounds> <callers> <settings...>
# e.g. ab-threads.sh data/threads-ab-10.txt 5 2000 6 10 branch=1; tables: node threads-table.mjs <out>.
# The copies used here: /tmp/re4/base (cp -a of the worktree at 998114d), /tmp/re4/lane (at 16551d3).
set -u
out=$1; iterations=$2; jobs=$3; rounds=$4; callers=$5; shift 5
run() { # <label> <dir> <env>
  echo "## $1 iteration $i load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%T)" >> "$out"
  (cd "$2/apps/bench" && env $3 node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/single-enqueue-threads.ts hopper "$HOPPER_TEST_REDIS_URL" "$jobs" "$rounds" 2000 "$callers") >> "$out" 2>&1
}
for i in $(seq 1 "$iterations"); do
  run base "${BASE_DIR:-/tmp/re4/base}" "X=1"
  for setting in "$@"; do run "$setting" "${EXP_DIR:-/tmp/re4/exp}" "$setting"; done
done
