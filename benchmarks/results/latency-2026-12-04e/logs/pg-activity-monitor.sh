#!/bin/bash
# every 5 s: pg_stat_activity summary and bench_raw_jobs rows per queue
while true; do
  echo "== $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  psql "$HOPPER_TEST_POSTGRES_URL" -Atc "select state, coalesce(wait_event_type,'-')||':'||coalesce(wait_event,'-'), round(extract(epoch from now()-query_start)*1000) ms, left(regexp_replace(query,'\s+',' ','g'),60) from pg_stat_activity where datname=current_database() and pid<>pg_backend_pid() and application_name<>'psql' order by ms desc limit 12" 2>&1
  psql "$HOPPER_TEST_POSTGRES_URL" -Atc "select right(queue,14), count(*), count(*) filter (where locked_until>now()) from bench_raw_jobs group by 1; select n_live_tup,n_dead_tup,last_autovacuum,last_autoanalyze from pg_stat_user_tables where relname='bench_raw_jobs'" 2>&1
  sleep 5
done
