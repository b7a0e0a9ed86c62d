#!/bin/bash
# Rolling deploy of step two, two processes per check: main's code (MAIN, a checkout of main) and this branch's
# (BRANCH), each through rolling-side.ts, on one emulator. Prints every side's JSON; rolling-check.py reads it.
#   source /work/env.sh && eval "$(pnpm -s services env)" && \
#   MAIN=/work/main BRANCH=$PWD benchmarks/results/sqs-step-two-2026-12-05-probes/rolling-deploy.sh | tee rolling.log | \
#   python3 benchmarks/results/sqs-step-two-2026-12-05-probes/rolling-check.py
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prefix="rd$(date +%s)-"
side() { # side <main|branch> <role> <queue> <n|ms> [fifo]
  local root=$MAIN; [ "$1" = branch ] && root=$BRANCH
  local who=$1; shift
  echo "$who $* $(cd "$BRANCH/apps/bench" && ROOT=$root PREFIX=$prefix node --no-warnings --conditions=@hopper/source --import ./src/child/strip-types.mjs "$here/rolling-side.ts" "$@")"
}
for fifo in "" fifo; do
  # The branch writes, main reads: hand-back of 3 unstarted jobs, the copies seen raw, then a worker runs all.
  side branch enqueue "bm$fifo" 10 $fifo
  side main handback "bm$fifo" 3 $fifo
  side main peek "bm$fifo" 10 $fifo
  side main work "bm$fifo" 4000 $fifo
  # Main writes, the branch reads.
  side main enqueue "mb$fifo" 10 $fifo
  side branch handback "mb$fifo" 3 $fifo
  side branch peek "mb$fifo" 10 $fifo
  side branch work "mb$fifo" 4000 $fifo
  # Both write to one queue and both work it at once.
  side main enqueue "mix$fifo" 20 $fifo
  side branch enqueue "mix$fifo" 20 $fifo
  side main work "mix$fifo" 6000 $fifo &
  side branch work "mix$fifo" 6000 $fifo
  wait
done
