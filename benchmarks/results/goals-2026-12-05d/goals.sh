#!/usr/bin/env bash
# Goal runs on main HEAD: three full PostgreSQL goal runs, each on a fresh pnpm services server.
source /work/env.sh
cd /work/main
fresh() { pnpm -s services down >/dev/null 2>&1; unset HOPPER_TEST_POSTGRES_URL; pnpm -s services up postgres >/dev/null 2>&1; eval "$(pnpm -s services env)"; }
for run in 1 2 3; do
  fresh
  echo "== goals $run $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" >> /work/fillab/g5d-goals.log
  pnpm -s bench --profile full -s enqueue,drain -b postgres -k hopper,pg-boss,graphile-worker --progress plain --no-services -o benchmarks/results/goals-2026-12-05d > /work/fillab/g5d-goals-$run.log 2>&1 || echo FAILED >> /work/fillab/g5d-goals.log
done
pnpm -s services down >/dev/null 2>&1
echo "DONE $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" >> /work/fillab/g5d-goals.log
