#!/usr/bin/env bash
# Samples every PostgreSQL job table's statistics state while a bench runs, one line per table every 2 s.
# Usage: monitor.sh <postgres url> <out file>   (stop it with kill <pid>)
# Columns: time, table, n_live_tup, n_dead_tup, reltuples, relpages, last_autovacuum, last_autoanalyze,
# autoanalyze_count, n_mod_since_analyze, and the autovacuum workers running at that moment.
url="$1"; out="$2"
while true; do
  psql "$url" -X -A -t -F ' ' -c "
    SELECT to_char(clock_timestamp(),'HH24:MI:SS'), s.schemaname||'.'||s.relname, s.n_live_tup, s.n_dead_tup,
           c.reltuples::bigint, c.relpages, coalesce(to_char(s.last_autovacuum,'HH24:MI:SS'),'-'),
           coalesce(to_char(s.last_autoanalyze,'HH24:MI:SS'),'-'), s.autoanalyze_count, s.n_mod_since_analyze,
           (SELECT coalesce(string_agg(query, ';'), '-') FROM pg_stat_activity WHERE backend_type = 'autovacuum worker')
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.relname IN ('job_common', 'messages', '_private_jobs', 'bench_raw_jobs')
    ORDER BY 2" >> "$out" 2>&1
  sleep 2
done
