#!/usr/bin/env bash
# A = /work/wt/abq (main: ANALYZE after each fill), B = /work/main working tree (VACUUM+CHECKPOINT before, ANALYZE after).
# Sequences of 3 full goal runs on one fresh PostgreSQL per sequence, sequences alternating A, B, A, B.
source /work/env.sh
out=/work/fillab
for seq in 1 2; do
  for arm in A B; do
    dir=/work/wt/abq; [ $arm = B ] && dir=/work/main
    (cd /work/main && pnpm -s services down >/dev/null 2>&1; unset HOPPER_TEST_POSTGRES_URL; pnpm -s services up postgres >/dev/null 2>&1)
    url=$(cd /work/main && pnpm -s services env | sed -n 's/^export HOPPER_TEST_POSTGRES_URL=//p')
    for run in 1 2 3; do
      echo "== $arm seq $seq run $run $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $out/log
      (cd $dir && HOPPER_TEST_POSTGRES_URL=$url pnpm -s bench --profile full -s enqueue,drain -b postgres -k hopper,pg-boss,graphile-worker --progress plain --no-services -o $out/$arm-$seq-$run > $out/$arm-$seq-$run.log 2>&1) || echo "FAILED $arm $seq $run" >> $out/log
      psql "$url" -Atc "SELECT schemaname||'.'||relname, n_live_tup, n_dead_tup, autovacuum_count, vacuum_count FROM pg_stat_user_tables WHERE n_dead_tup > 1000 OR relname IN ('messages','_private_jobs','job_common') ORDER BY n_dead_tup DESC LIMIT 6" >> $out/log
    done
  done
done
echo DONE >> $out/log
