#!/usr/bin/env bash
# Quiet pairs: A = /work/wt/abq (90ebce2: ANALYZE after each fill), B = /work/wt/abqbase (7e500b7: + VACUUM, CHECKPOINT before),
# each run on a fresh pnpm services PostgreSQL (so A's bloat does not carry over), alternating A, B.
source /work/env.sh
out=/work/fillab/pairs; mkdir -p $out
for i in $(seq 1 ${PAIRS:-5}); do
  for arm in A B; do
    dir=/work/wt/abq; [ $arm = B ] && dir=/work/wt/abqbase
    (cd /work/main && pnpm -s services down >/dev/null 2>&1; unset HOPPER_TEST_POSTGRES_URL; pnpm -s services up postgres >/dev/null 2>&1)
    url=$(cd /work/main && pnpm -s services env | sed -n 's/^export HOPPER_TEST_POSTGRES_URL=//p')
    echo "== $arm $i $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $out/log
    (cd $dir && HOPPER_TEST_POSTGRES_URL=$url pnpm -s bench --profile full -s enqueue,drain -b postgres -k hopper,pg-boss,graphile-worker --progress plain --no-services -o $out/$arm-$i > $out/$arm-$i.log 2>&1) || echo "FAILED $arm $i" >> $out/log
  done
done
echo "DONE $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $out/log
