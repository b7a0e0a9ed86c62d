-- psql -h 127.0.0.1 -p <port> -U hopper hopper -f insert-variants.sql   (a server of its own: it reads /proc/self/schedstat, superuser)
-- Server CPU (schedstat ns of this backend) and WAL of inserting 20,000 finished records into copies of job_records
-- that differ in their indexes and in ON CONFLICT; each variant 3 times, alternating.
\set QUIET on
CREATE TEMP TABLE src AS SELECT g AS n, 'job-' || g || '-' || md5(g::text) AS id, 'BenchJob' AS job, 'q' AS queue, 'succeeded' AS state, 1 AS attempt, 'null' AS result,
  1764800000000 + g AS enqueued_at, 1764800000100 + g AS started_at, 1764800000200 + g AS finished_at, '[' || g || ']' AS args FROM generate_series(1, 20000) g;
CREATE INDEX ON src (n); ANALYZE src;
CREATE OR REPLACE FUNCTION pg_temp.cpu_ns() RETURNS bigint LANGUAGE sql AS $$ SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint $$;
CREATE TEMP TABLE results (variant text, cpu_us_per_row numeric, wal_b_per_row numeric);
CREATE OR REPLACE PROCEDURE pg_temp.run(variant text, indexes text[], upsert boolean) LANGUAGE plpgsql AS $$
DECLARE c0 bigint; w0 pg_lsn; ix text;
BEGIN
  DROP TABLE IF EXISTS hopper.jr_probe;
  CREATE TABLE hopper.jr_probe (LIKE hopper.job_records INCLUDING DEFAULTS INCLUDING GENERATED) WITH (fillfactor = 50);
  ALTER TABLE hopper.jr_probe ADD PRIMARY KEY (id);
  FOREACH ix IN ARRAY indexes LOOP EXECUTE ix; END LOOP;
  COMMIT;
  c0 := pg_temp.cpu_ns(); w0 := pg_current_wal_insert_lsn();
  FOR b IN 0..199 LOOP
    IF upsert THEN
      INSERT INTO hopper.jr_probe (id, job, queue, state, attempt, result, enqueued_at, started_at, finished_at, args, expires_at)
      SELECT id, job, queue, state, attempt, result, enqueued_at, started_at, finished_at, args, now() + interval '1 day' FROM src WHERE n > b * 100 AND n <= b * 100 + 100
      ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state WHERE hopper.jr_probe.state <> 'cancelled';
    ELSE
      INSERT INTO hopper.jr_probe (id, job, queue, state, attempt, result, enqueued_at, started_at, finished_at, args, expires_at)
      SELECT id, job, queue, state, attempt, result, enqueued_at, started_at, finished_at, args, now() + interval '1 day' FROM src WHERE n > b * 100 AND n <= b * 100 + 100;
    END IF;
    COMMIT;
  END LOOP;
  INSERT INTO results VALUES (variant, (pg_temp.cpu_ns() - c0) / 1000.0 / 20000, pg_wal_lsn_diff(pg_current_wal_insert_lsn(), w0) / 20000);
  COMMIT;
END $$;
\set listed 'CREATE INDEX ON hopper.jr_probe (listed_state, finished_at DESC, id COLLATE "C" DESC) WHERE listed_state IS NOT NULL'
\set expiring 'CREATE INDEX ON hopper.jr_probe (expires_at) WHERE expires_at < ''infinity'''
DO $$ BEGIN END $$;
CALL pg_temp.run('pkey+listed+expiring, upsert (as the ack)', ARRAY[:'listed', :'expiring'], true);
CALL pg_temp.run('pkey+listed+expiring, plain insert', ARRAY[:'listed', :'expiring'], false);
CALL pg_temp.run('pkey+listed, upsert', ARRAY[:'listed'], true);
CALL pg_temp.run('pkey only, upsert', ARRAY[]::text[], true);
CALL pg_temp.run('pkey+listed+expiring, upsert (as the ack)', ARRAY[:'listed', :'expiring'], true);
CALL pg_temp.run('pkey+listed+expiring, plain insert', ARRAY[:'listed', :'expiring'], false);
CALL pg_temp.run('pkey+listed, upsert', ARRAY[:'listed'], true);
CALL pg_temp.run('pkey only, upsert', ARRAY[]::text[], true);
CALL pg_temp.run('pkey+listed+expiring, upsert (as the ack)', ARRAY[:'listed', :'expiring'], true);
CALL pg_temp.run('pkey+listed+expiring, plain insert', ARRAY[:'listed', :'expiring'], false);
CALL pg_temp.run('pkey+listed, upsert', ARRAY[:'listed'], true);
CALL pg_temp.run('pkey only, upsert', ARRAY[]::text[], true);
DROP TABLE hopper.jr_probe;
\set QUIET off
SELECT variant, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_us_per_row)::numeric, 2) AS cpu_us_median, array_agg(round(cpu_us_per_row, 2)) AS cpu_us_runs, round(avg(wal_b_per_row)) AS wal_b FROM results GROUP BY variant ORDER BY 2 DESC;
