#!/usr/bin/env bash
# Three whole runs back to back on one fresh server, with load and the job tables' statistics recorded.
cd /work/wt/pgbossfair
OUT=benchmarks/results/pg-boss-fairness-2026-12-04
PR=benchmarks/results/pg-boss-fairness-2026-12-04-probes
mkdir -p $OUT
$PR/monitor.sh $HOPPER_TEST_POSTGRES_URL $PR/measured-monitor.txt & MON=$!
for i in 1 2 3; do
  echo "run $i start $(date -u +%T) $(uptime)" >> $PR/measured-load.txt
  pnpm -s bench --profile full -s enqueue,drain -b postgres -k hopper,pg-boss,graphile-worker --no-services --progress plain -o $OUT >> $PR/measured-bench.log 2>&1
  echo "run $i end $(date -u +%T) $(uptime)" >> $PR/measured-load.txt
done
kill $MON
