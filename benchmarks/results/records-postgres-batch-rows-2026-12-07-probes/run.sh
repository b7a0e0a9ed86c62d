#!/bin/bash
# Server time per 100-record ack write: rows (one job_records row per record, its three indexes) vs batch (one row per
# ack: ids text[] under a GIN index, records jsonb). pgbench, one client, 200 acks (20,000 records) per run, alternating.
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../../.." && eval "$(pnpm -s services env)"
B=/usr/lib/postgresql/15/bin
for rep in 1 2 3 4 5; do for v in ${VARIANTS:-rows batch}; do
  psql -q "$HOPPER_TEST_POSTGRES_URL" -f "$here/setup.sql" 2>/dev/null
  psql -q "$HOPPER_TEST_POSTGRES_URL" -c "CHECKPOINT"
  wal0=$(psql -qtA "$HOPPER_TEST_POSTGRES_URL" -c "SELECT pg_current_wal_lsn()")
  out=$($B/pgbench -n -c 1 -t 200 -f "$here/$v.sql" -r "$HOPPER_TEST_POSTGRES_URL" 2>&1)
  wal=$(psql -qtA "$HOPPER_TEST_POSTGRES_URL" -c "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$wal0') / 20000")
  lat=$(echo "$out" | grep "latency average" | awk '{print $4}')
  echo "$v rep $rep: latency per 100-record ack ${lat} ms; WAL per record ${wal} B"
done; done
