#!/bin/bash
# usage: probe-with-auto-explain.sh TAG KIND STEPS  e.g. probe-before-vacuum hopper 4000,vacuum:hopper.messages,16000,4000,4000
# Drops the bench tables, turns auto_explain on (100 ms, analyze, buffers), runs the overload-recovery probe, turns it off,
# keeps the server log slice in /tmp/pgb/TAG.pglog and prints the slow statements by kind. LOG is the services postgres.log
# (beside the data directory: psql -c "SHOW data_directory"); set it for your server.
source /work/env.sh && cd /work/wt/pgburst && eval "$(pnpm -s services env)"
U="$HOPPER_TEST_POSTGRES_URL"; LOG=/tmp/hopper-postgres-pjJFyu/postgres.log
psql "$U" -qc "DROP SCHEMA IF EXISTS hopper CASCADE" -c "DROP TABLE IF EXISTS bench_raw_jobs" 2>&1 | grep -v "drop\|NOTICE\|DETAIL"
psql "$U" -qc "ALTER SYSTEM SET session_preload_libraries='auto_explain'" -c "ALTER SYSTEM SET auto_explain.log_min_duration='100ms'" -c "ALTER SYSTEM SET auto_explain.log_analyze=on" -c "ALTER SYSTEM SET auto_explain.log_buffers=on" -c "ALTER SYSTEM SET log_min_duration_statement=100" -c "SELECT pg_reload_conf()" >/dev/null
start=$(wc -l < $LOG)
echo "commit $(git rev-parse --short HEAD), operations: $(git diff --quiet HEAD -- packages/postgres/src/operations && echo as committed || echo 'checked out from 8acbfe6')"
timeout 300 pnpm -s --filter @hopper/bench overload-recovery "$U" $2 $3 5000 3000 2>&1 | grep -v "CREATE\|pg_trigger\|BEGIN\|COMMIT\|advisory\|LISTEN\|current_database\|DROP TRIGGER\|LOCK TABLE"
psql "$U" -Atc "select 'messages: live ' || n_live_tup || ', dead ' || n_dead_tup || ', last autovacuum ' || coalesce(last_autovacuum::text,'never') || ', autoanalyze ' || coalesce(last_autoanalyze::text,'never') from pg_stat_user_tables where relname in ('messages','bench_raw_jobs')" -c "select 'pg_class: ' || relname || ' reltuples ' || reltuples || ' relpages ' || relpages || ' actual pages ' || pg_relation_size(oid)/8192 from pg_class where relname in ('messages','messages_pkey','messages_due_idx','bench_raw_jobs') and relkind in ('r','i')"
psql "$U" -qc "ALTER SYSTEM RESET ALL" -c "SELECT pg_reload_conf()" >/dev/null
tail -n +$start $LOG > /tmp/pgb/$1.pglog
echo "slow statements (>100 ms) by kind:"; grep -A1 "duration: .* ms  plan:" /tmp/pgb/$1.pglog | grep "Query Text" | cut -c1-50 | sort | uniq -c
echo "ack plans (index used, token rows estimated/actual, duration):"
awk '/duration: [0-9.]* ms  plan:/{d=$0} /Query Text: WITH deleted/{p=1; sub(/.*duration: /,"",d); printf "  %s", d} p && /Index Scan|Seq Scan/{match($0,/on [a-z_]+|using [a-z_]+/); printf " %s", substr($0,RSTART,RLENGTH)} p && /Nested Loop|Hash Join/{printf " [%s]", ($0 ~ /Nested/ ? "nested loop" : "hash join")} /DETAIL|Query Text: [^W]/{if(p) print ""; p=0}' /tmp/pgb/$1.pglog | sed 's/ ms  plan:/ ms/' | sort | uniq -c | sort -rn | head -20
