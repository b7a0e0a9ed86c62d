#!/bin/bash
# The bench's own drain, Hopper on PostgreSQL, packages/postgres/src at the base (b30e637, one statement per nack
# and per renewal) and at this branch's HEAD, interleaved, $ROUNDS pairs; run from the worktree root:
#   [FIRST=1] ROUNDS=3 bash benchmarks/results/postgres-batched-release-2026-12-05-probes/drain-ab.sh
# It swaps packages/postgres/src in the worktree (git checkout) and puts HEAD's back at the end: commit nothing meanwhile.
source /work/env.sh && eval "$(pnpm -s services env)"
base=b30e637
for i in $(seq ${FIRST:-1} ${ROUNDS:-3}); do
  for side in base branch; do
    if [ $side = base ]; then git checkout -q $base -- packages/postgres/src; else git checkout -q HEAD -- packages/postgres/src; git reset -q -- packages/postgres/src; rm -f packages/postgres/src/postgres-ack-batcher.ts; fi
    echo "### pair $i $side $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    pnpm -s bench -b postgres -k hopper -s drain -c 1,10,50 -n 20000 --no-services --progress plain -o /tmp/pgbatch-ab-out >/dev/null 2>&1; grep -F "Hopper worker, no-op job" /tmp/pgbatch-ab-out/latest.md
  done
done
git checkout -q HEAD -- packages/postgres/src; git reset -q -- packages/postgres/src; rm -f packages/postgres/src/postgres-ack-batcher.ts
