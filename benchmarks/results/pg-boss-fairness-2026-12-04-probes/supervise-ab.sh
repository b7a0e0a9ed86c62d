#!/usr/bin/env bash
# supervise on (B, the branch) vs off (A, a temporary patch) for pg-boss, drain only, interleaved.
cd /work/wt/pgbossfair
F=apps/bench/src/subjects/pg-boss-subject.ts
PR=benchmarks/results/pg-boss-fairness-2026-12-04-probes
for i in 1 2 3; do
  for side in off on; do
    git checkout -q -- $F
    [ $side = off ] && sed -i 's/max: instance.poolSize, useListenNotify/max: instance.poolSize, supervise: false, schedule: false, useListenNotify/' $F
    echo "pair $i supervise $side start $(date -u +%T) $(uptime)" >> $PR/supervise-ab.txt
    pnpm -s bench --profile full -s drain -b postgres -k pg-boss --no-services --progress plain -o /tmp/pgbf/ab-$i-$side 2>&1 | grep "jobs/s" >> $PR/supervise-ab.txt
    grep "postgres/pg-boss\*\* | pg-boss" /tmp/pgbf/ab-$i-$side/run-*.md >> $PR/supervise-ab.txt
  done
done
git checkout -q -- $F
