#!/bin/bash
source /work/env.sh; eval "$(pnpm -s services env)"; cd $PATCHED/apps/bench
for rep in 1 2 3; do for v in off A B C BC; do
  psql -q "$HOPPER_TEST_POSTGRES_URL" -c "DO \$\$ DECLARE r record; BEGIN FOR r IN SELECT schemaname FROM pg_tables WHERE tablename='job_records' LOOP EXECUTE format('DROP TABLE %I.job_records', r.schemaname); END LOOP; END \$\$;"
  rec=on; [ $v = off ] && rec=off
  nl=; ne=; case $v in B) nl=1;; C) ne=1;; BC) nl=1; ne=1;; esac
  echo "== $v rep $rep"
  EXP_NO_LISTED=$nl EXP_NO_EXPIRING=$ne HOPPER_BENCH_RECORDS=$rec PROBE_CONCURRENCY=10 pnpm -s cost-per-job hopper "$HOPPER_TEST_POSTGRES_URL" 20000 10 drain 2>&1 | grep "drain c="
done; done
