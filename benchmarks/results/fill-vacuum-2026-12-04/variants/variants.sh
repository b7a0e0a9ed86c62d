#!/usr/bin/env bash
# graphile-worker's drain under four fill preparations (before each fill; ANALYZE after each in all), each run on a
# fresh pnpm services PostgreSQL, rounds alternating the variants. Checkout: /work/wt/abqbase with HOPPER_BENCH_BEFORE.
source /work/env.sh
out=/work/fillab/variants; mkdir -p $out
for round in 1 2 3; do
  for variant in none VACUUM CHECKPOINT VACUUM,CHECKPOINT; do
    (cd /work/main && pnpm -s services down >/dev/null 2>&1; unset HOPPER_TEST_POSTGRES_URL; pnpm -s services up postgres >/dev/null 2>&1)
    url=$(cd /work/main && pnpm -s services env | sed -n 's/^export HOPPER_TEST_POSTGRES_URL=//p')
    before=$variant; [ $variant = none ] && before=""
    echo "== $variant $round $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $out/log
    (cd /work/wt/abqbase && HOPPER_BENCH_BEFORE="$before" HOPPER_TEST_POSTGRES_URL=$url pnpm -s bench -b postgres -k graphile-worker,hopper -s drain -c 1,10 -n 20000 --no-services --progress plain -o $out/$variant-$round > $out/$variant-$round.log 2>&1) || echo "FAILED" >> $out/log
  done
done
echo "DONE $(date -u +%H:%M:%S)" >> $out/log
