#!/bin/bash
# Node CPU per bulk-enqueued job, before (the branch's base, main ad2ed15) and after (this branch), alternated:
# sqs-client-cpu.ts (no server: the client side alone, Hopper and the raw client) and bulk-call-timeline.ts
# (Hopper against this worktree's fauxqs, calls of 100). Swaps the source files of the change in place.
#   ROUNDS=3 benchmarks/results/sqs-bulk-2026-12-05-probes/before-after.sh > before-after.txt
source /work/env.sh && cd "$(git rev-parse --show-toplevel)" && eval "$(pnpm -s services env)"
files="packages/sqs/src/sqs-enqueue.ts packages/sqs/src/sqs-queue-urls.ts packages/core/src/backend/send-in-batches.ts"
after=$(git rev-parse HEAD); before=${BEFORE:-ad2ed15}
trap 'git checkout -q "$after" -- $files' EXIT
for round in $(seq 1 ${ROUNDS:-3}); do
  for side in before after; do
    if [ $side = before ]; then git checkout -q "$before" -- $files; else git checkout -q "$after" -- $files; fi
    echo "### round $round $side $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/sqs-client-cpu.ts 2>&1 | grep median)
    (cd apps/bench && timeout 200 node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/bulk-call-timeline.ts hopper "sqs://us-east-1/ba$RANDOM-?endpoint=$HOPPER_TEST_SQS_ENDPOINT&createQueues=true" 10000 | grep -v "requests while")
  done
done
