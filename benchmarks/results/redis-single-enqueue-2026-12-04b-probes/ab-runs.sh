#!/usr/bin/env bash
# Interleaved A/B runs of one measurement, checkout A then checkout B, appending each run's figures to <out>.
#   BASE_DIR=<checkout of main> BRANCH_DIR=<this checkout> benchmarks/results/redis-single-enqueue-2026-12-04b-probes/ab-runs.sh <cost|rate|bench> <out> <pairs> <jobs>
# ORDER="branch base" runs the branch first in each pair.
# (needs HOPPER_TEST_REDIS_URL, e.g. `eval "$(pnpm -s services env)"`). The base checkout used here was a copy
# (`cp -a`) of this worktree taken at main's commit before any change, with its installed dependencies.
#   cost:  pnpm -s --filter @hopper/bench cost-per-job hopper $HOPPER_TEST_REDIS_URL <jobs> 10 single
#   rate:  single-enqueue-rate.ts hopper ${CONNECTION:-$HOPPER_TEST_REDIS_URL} <jobs> 10 ${ROUNDS:-6}   (rounds after 2,000 warm-up jobs; CONNECTION=memory:// for the core path alone)
#   bench: pnpm -s bench -b redis -k hopper,peer -s enqueue --single-jobs <jobs> -r 5 --warmup 1 --progress plain --no-services
set -u
kind=$1; out=$2; pairs=$3; jobs=$4
for i in $(seq 1 "$pairs"); do for side in ${ORDER:-base branch}; do
  dir=$BASE_DIR; [ "$side" = branch ] && dir=$BRANCH_DIR
  echo "## $side pair $i load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%T)" >> "$out"
  case $kind in
    cost) (cd "$dir" && pnpm -s --filter @hopper/bench cost-per-job hopper "$HOPPER_TEST_REDIS_URL" "$jobs" 10 single 2>&1 | grep "enqueue single") >> "$out" ;;
    rate) (cd "$dir/apps/bench" && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/single-enqueue-rate.ts hopper "${CONNECTION:-$HOPPER_TEST_REDIS_URL}" "$jobs" 10 "${ROUNDS:-6}" 2>&1 | grep "jobs/s") >> "$out" ;;
    bench)
      runs=$(mktemp -d)
      (cd "$dir" && pnpm -s bench -b redis -k hopper,peer -s enqueue --single-jobs "$jobs" -r 5 --warmup 1 --progress plain --no-services -o "$runs" > /dev/null 2>&1)
      grep -E '^\| \*\*redis/(hopper|bullmq)\*\*' "$runs/latest.md" | head -2 | cut -d'|' -f2,4,5 >> "$out" ;;
  esac
done; done
