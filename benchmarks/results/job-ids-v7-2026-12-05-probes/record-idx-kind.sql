\set QUIET on
-- psql -h 127.0.0.1 -p 38191 -U hopper hopper -v prefill=1000000 -f record-idx-kind.sql   (server.sh's server)
-- messages_record_idx's cost per inserted message row: a table shaped like messages (seq primary key, id, record_job;
-- fillfactor 50) holding :prefill rows (version 7 ids), its index on id a B-tree (as now), a hash index, or none;
-- 20,000 inserts in statements of 100, a CHECKPOINT before each of 3 rounds (B-tree, hash, none in each).
CREATE OR REPLACE FUNCTION pg_temp.cpu_ns() RETURNS bigint LANGUAGE sql AS $$ SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint $$;
CREATE OR REPLACE FUNCTION pg_temp.v7(n bigint) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(lpad(to_hex(1764800000000 + n / 8), 12, '0') || '7' || substr(md5(n::text), 1, 19), '(.{8})(.{4})(.{4})(.{4})(.{12})', '\1-\2-\3-\4-\5') $$;
CREATE TEMP TABLE results (variant text, cpu_us_per_row numeric, wal_b_per_row numeric);
CREATE OR REPLACE PROCEDURE pg_temp.fill(t text, kind text, prefill int) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS %I', t);
  EXECUTE format('CREATE TABLE %I (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL, record_job text) WITH (fillfactor = 50)', t);
  EXECUTE format('CREATE INDEX ON %I USING %s (id) WHERE record_job IS NOT NULL', t, kind);
  EXECUTE format('INSERT INTO %I (id, record_job) SELECT pg_temp.v7(g), ''Job'' FROM generate_series(1, %s) g', t, prefill);
  EXECUTE format('ANALYZE %I', t);
END $$;
CREATE OR REPLACE PROCEDURE pg_temp.run(variant text, t text, start bigint, total int) LANGUAGE plpgsql AS $$
DECLARE c0 bigint; w0 pg_lsn;
BEGIN
  CHECKPOINT;
  c0 := pg_temp.cpu_ns(); w0 := pg_current_wal_insert_lsn();
  FOR b IN 0..(total/100 - 1) LOOP
    EXECUTE format('INSERT INTO %I (id, record_job) SELECT pg_temp.v7(g), ''Job'' FROM generate_series(%s, %s) g', t, start + b * 100 + 1, start + b * 100 + 100);
    COMMIT;
  END LOOP;
  INSERT INTO results VALUES (variant, (pg_temp.cpu_ns() - c0) / 1000.0 / total, pg_wal_lsn_diff(pg_current_wal_insert_lsn(), w0) / total);
  COMMIT;
END $$;
CALL pg_temp.fill('m_btree', 'btree', :prefill);
CALL pg_temp.fill('m_hash', 'hash', :prefill);
CALL pg_temp.fill('m_none', 'btree', 0);
DROP INDEX m_none_id_idx;
INSERT INTO m_none (id, record_job) SELECT pg_temp.v7(g), 'Job' FROM generate_series(1, :prefill) g;
VACUUM m_btree; VACUUM m_hash; VACUUM m_none;
DO $$ BEGIN FOR r IN 0..2 LOOP
  CALL pg_temp.run('btree', 'm_btree', 2000000 + r * 20000, 20000);
  CALL pg_temp.run('hash', 'm_hash', 2000000 + r * 20000, 20000);
  CALL pg_temp.run('no id index', 'm_none', 2000000 + r * 20000, 20000);
END LOOP; END $$;
\set QUIET off
SELECT indexrelid::regclass, pg_size_pretty(pg_relation_size(indexrelid)) FROM pg_index WHERE indrelid IN ('m_btree'::regclass, 'm_hash'::regclass) AND NOT indisprimary;
SELECT variant, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_us_per_row)::numeric, 2) AS cpu_us_median, array_agg(round(cpu_us_per_row, 2)) AS cpu_us_runs,
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wal_b_per_row)::numeric) AS wal_b_median FROM results GROUP BY variant ORDER BY 1;
DROP TABLE m_btree, m_hash, m_none;
