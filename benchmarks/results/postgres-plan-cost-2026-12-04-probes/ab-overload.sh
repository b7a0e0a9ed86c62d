#!/bin/bash
# usage: ab-overload.sh PAIRS OUT   e.g. ab-overload.sh 2 /tmp/pgplan2/overload
# The overload-recovery probe's sequence (4000, VACUUM, 16000, 4000, 4000 jobs/s; 5 s steps, 3 s grace) on fresh
# tables, alternating A = main and B = this branch (ab-sides.sh). Run with autovacuum off on this worktree's own server
# (ALTER SYSTEM SET autovacuum = off; SELECT pg_reload_conf()), reset after.
source "$(dirname "$(readlink -f "$0")")/ab-sides.sh"
mkdir -p "$2"
for pair in $(seq 1 "$1"); do
  for side in A B; do
    use_side $side
    psql "$HOPPER_TEST_POSTGRES_URL" -qc "DROP SCHEMA IF EXISTS hopper CASCADE" 2>/dev/null
    echo "== pair $pair side $side $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) autovacuum $(psql "$HOPPER_TEST_POSTGRES_URL" -Atc 'show autovacuum')" >> "$2/$side.txt"
    timeout 300 pnpm -s --filter @hopper/bench overload-recovery "$HOPPER_TEST_POSTGRES_URL" hopper 4000,vacuum:hopper.messages,16000,4000,4000 5000 3000 2>&1 \
      | grep -v "CREATE\|pg_trigger\|BEGIN\|COMMIT\|advisory\|LISTEN\|current_database\|DROP TRIGGER\|LOCK TABLE" >> "$2/$side.txt"
    psql "$HOPPER_TEST_POSTGRES_URL" -Atc "select 'pg_class: ' || relname || ' reltuples ' || reltuples || ' relpages ' || relpages from pg_class where relname in ('messages','messages_pkey','messages_due_idx') and relnamespace = 'hopper'::regnamespace" -c "select 'autovacuum ' || coalesce(last_autovacuum::text,'never') || ', autoanalyze ' || coalesce(last_autoanalyze::text,'never') from pg_stat_user_tables where schemaname='hopper' and relname='messages'" >> "$2/$side.txt"
  done
done
