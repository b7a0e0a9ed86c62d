\set QUIET on
-- psql -h 127.0.0.1 -p 38191 -U hopper hopper -v prefill=2000000 -f fillfactor.sql   (server.sh's server)
-- Finished-record inserts (version 7 ids, ascending listing index both), 20,000 in statements of 100, into copies of
-- job_records already holding :prefill rows, the table's fillfactor 50 (as the store sets it: table "jr_v7" here) or
-- 100 (table "jr_v4"), a CHECKPOINT before each of 3 runs; fillfactor 100 first in each pair.
CREATE OR REPLACE FUNCTION pg_temp.cpu_ns() RETURNS bigint LANGUAGE sql AS $$ SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint $$;
CREATE OR REPLACE FUNCTION pg_temp.v7(n bigint) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(lpad(to_hex(1764800000000 + n / 8), 12, '0') || '7' || substr(md5(n::text), 1, 19), '(.{8})(.{4})(.{4})(.{4})(.{12})', '\1-\2-\3-\4-\5') $$;
CREATE TEMP TABLE results (variant text, cpu_us_per_row numeric, wal_b_per_row numeric);
CREATE OR REPLACE PROCEDURE pg_temp.fill(t text, descending boolean, prefill int) LANGUAGE plpgsql AS $$
DECLARE ix text;
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS hopper.%I', t);
  EXECUTE format('CREATE TABLE hopper.%I (LIKE hopper.job_records INCLUDING ALL) WITH (fillfactor = %s)', t, CASE WHEN descending THEN 50 ELSE 100 END);
  IF true THEN
    SELECT indexrelid::regclass::text INTO ix FROM pg_index WHERE indrelid = ('hopper.' || t)::regclass AND pg_get_indexdef(indexrelid) LIKE '%listed_state%';
    EXECUTE 'DROP INDEX ' || ix;
    EXECUTE format('CREATE INDEX ON hopper.%I (listed_state, finished_at, id COLLATE "C") WHERE listed_state IS NOT NULL', t);
  END IF;
  EXECUTE format($f$INSERT INTO hopper.%I (id, job, queue, state, attempt, result, enqueued_at, started_at, finished_at, args, expires_at)
    SELECT pg_temp.v7(g), 'BenchJob', 'q', 'succeeded', 1, 'null', 1764800000000 + g, 1764800000100 + g, 1764800000200 + g, '[' || g || ']', now() + interval '1 day' + g * interval '1 ms' FROM generate_series(1, %s) g$f$, t, prefill);
  EXECUTE format('ANALYZE hopper.%I', t);
END $$;
CREATE OR REPLACE PROCEDURE pg_temp.run(variant text, t text, ordered boolean, start bigint, total int) LANGUAGE plpgsql AS $$
DECLARE c0 bigint; w0 pg_lsn;
BEGIN
  CHECKPOINT;
  c0 := pg_temp.cpu_ns(); w0 := pg_current_wal_insert_lsn();
  FOR b IN 0..(total/100 - 1) LOOP
    EXECUTE format($f$INSERT INTO hopper.%I (id, job, queue, state, attempt, result, enqueued_at, started_at, finished_at, args, expires_at)
      SELECT %s, 'BenchJob', 'q', 'succeeded', 1, 'null', 1764800000000 + g, 1764800000100 + g, 1764800000200 + g, '[' || g || ']', now() + interval '1 day'
      FROM generate_series(%s, %s) g$f$, t, 'pg_temp.v7(g)', start + b * 100 + 1, start + b * 100 + 100);
    COMMIT;
  END LOOP;
  INSERT INTO results VALUES (variant, (pg_temp.cpu_ns() - c0) / 1000.0 / total, pg_wal_lsn_diff(pg_current_wal_insert_lsn(), w0) / total);
  COMMIT;
END $$;
CALL pg_temp.fill('jr_v4', false, :prefill);
CALL pg_temp.fill('jr_v7', true, :prefill);
VACUUM hopper.jr_v4; VACUUM hopper.jr_v7;
CALL pg_temp.run('fillfactor 100', 'jr_v4', false, :prefill, 20000);
CALL pg_temp.run('fillfactor 50 (now)', 'jr_v7', true, :prefill, 20000);
CALL pg_temp.run('fillfactor 100', 'jr_v4', false, :prefill + 20000, 20000);
CALL pg_temp.run('fillfactor 50 (now)', 'jr_v7', true, :prefill + 20000, 20000);
CALL pg_temp.run('fillfactor 100', 'jr_v4', false, :prefill + 40000, 20000);
CALL pg_temp.run('fillfactor 50 (now)', 'jr_v7', true, :prefill + 40000, 20000);
\set QUIET off
SELECT pg_size_pretty(pg_relation_size('hopper.jr_v4')) AS heap_ff100, pg_size_pretty(pg_relation_size('hopper.jr_v7')) AS heap_ff50;
SELECT variant, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_us_per_row)::numeric, 2) AS cpu_us_median, array_agg(round(cpu_us_per_row, 2)) AS cpu_us_runs,
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wal_b_per_row)::numeric) AS wal_b_median, array_agg(round(wal_b_per_row)) AS wal_runs FROM results GROUP BY variant ORDER BY 1;
