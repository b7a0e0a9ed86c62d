-- Shared by insert-ids.sql, listed-direction.sql and fillfactor.sql (each `\ir`s it): copies of job_records filled
-- with :prefill finished records, then finished-record inserts measured per row (this backend's CPU from
-- /proc/self/schedstat, so a superuser on a server of its own; WAL from the insert LSN), a CHECKPOINT before each run.
CREATE OR REPLACE FUNCTION pg_temp.cpu_ns() RETURNS bigint LANGUAGE sql AS $$ SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint $$;
-- A version 7 layout: 48 bits of ms (eight ids a ms), a "7", md5 digits.
CREATE OR REPLACE FUNCTION pg_temp.v7(n bigint) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(lpad(to_hex(1764800000000 + n / 8), 12, '0') || '7' || substr(md5(n::text), 1, 19), '(.{8})(.{4})(.{4})(.{4})(.{12})', '\1-\2-\3-\4-\5') $$;
CREATE OR REPLACE FUNCTION pg_temp.id_of(ordered boolean) RETURNS text LANGUAGE sql AS $$ SELECT CASE WHEN ordered THEN 'pg_temp.v7(g)' ELSE 'gen_random_uuid()::text' END $$;
CREATE TEMP TABLE results (variant text, cpu_us_per_row numeric, wal_b_per_row numeric);
-- Table `t` as the store makes job_records, with this fillfactor and listing index direction, holding `prefill` records.
CREATE OR REPLACE PROCEDURE pg_temp.fill(t text, ordered boolean, prefill int, fillfactor int, listed_ascending boolean) LANGUAGE plpgsql AS $$
DECLARE ix text;
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS hopper.%I', t);
  EXECUTE format('CREATE TABLE hopper.%I (LIKE hopper.job_records INCLUDING ALL) WITH (fillfactor = %s)', t, fillfactor);
  SELECT indexrelid::regclass::text INTO ix FROM pg_index WHERE indrelid = ('hopper.' || t)::regclass AND pg_get_indexdef(indexrelid) LIKE '%listed_state%';
  EXECUTE 'DROP INDEX ' || ix;
  EXECUTE format('CREATE INDEX ON hopper.%I (listed_state, %s) WHERE listed_state IS NOT NULL', t,
    CASE WHEN listed_ascending THEN 'finished_at, id COLLATE "C"' ELSE 'finished_at DESC, id COLLATE "C" DESC' END);
  EXECUTE format($f$INSERT INTO hopper.%I (id, job, queue, state, attempt, result, enqueued_at, started_at, finished_at, args, expires_at)
    SELECT %s, 'BenchJob', 'q', 'succeeded', 1, 'null', 1764800000000 + g, 1764800000100 + g, 1764800000200 + g, '[' || g || ']', now() + interval '1 day' + g * interval '1 ms' FROM generate_series(1, %s) g$f$,
    t, pg_temp.id_of(ordered), prefill);
  EXECUTE format('ANALYZE hopper.%I', t);
END $$;
-- `total` more records into `t`, in statements of 100 as the acks write them.
CREATE OR REPLACE PROCEDURE pg_temp.run(variant text, t text, ordered boolean, start bigint, total int) LANGUAGE plpgsql AS $$
DECLARE c0 bigint; w0 pg_lsn;
BEGIN
  CHECKPOINT;
  c0 := pg_temp.cpu_ns(); w0 := pg_current_wal_insert_lsn();
  FOR b IN 0..(total/100 - 1) LOOP
    EXECUTE format($f$INSERT INTO hopper.%I (id, job, queue, state, attempt, result, enqueued_at, started_at, finished_at, args, expires_at)
      SELECT %s, 'BenchJob', 'q', 'succeeded', 1, 'null', 1764800000000 + g, 1764800000100 + g, 1764800000200 + g, '[' || g || ']', now() + interval '1 day'
      FROM generate_series(%s, %s) g$f$, t, pg_temp.id_of(ordered), start + b * 100 + 1, start + b * 100 + 100);
    COMMIT;
  END LOOP;
  INSERT INTO results VALUES (variant, (pg_temp.cpu_ns() - c0) / 1000.0 / total, pg_wal_lsn_diff(pg_current_wal_insert_lsn(), w0) / total);
  COMMIT;
END $$;
-- Three rounds of the two variants, table a first in each (its name, ids, label) then b.
CREATE OR REPLACE PROCEDURE pg_temp.rounds(a text, a_ordered boolean, a_label text, b text, b_ordered boolean, b_label text, prefill int) LANGUAGE plpgsql AS $$
BEGIN
  FOR round IN 0..2 LOOP
    CALL pg_temp.run(a_label, a, a_ordered, prefill + round * 20000, 20000);
    CALL pg_temp.run(b_label, b, b_ordered, prefill + round * 20000, 20000);
  END LOOP;
END $$;
