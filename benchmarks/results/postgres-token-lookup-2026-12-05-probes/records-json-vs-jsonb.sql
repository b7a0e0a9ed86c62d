-- 2,000 statements each, 100 records (the shape the ack settles): json_to_recordset joined to 100 rows (as the ack
-- does), jsonb_to_record looked up per row (LATERAL, the form tried and not kept), and the parse of each alone.
--   psql "$HOPPER_TEST_POSTGRES_URL" -Xq -f records-json-vs-jsonb.sql
-- Run 2026-12-05 ~10:57 UTC on this checkout's pnpm services PostgreSQL 15 (load ~1.5); the times it printed, in order:
--   Time: 1000.528 ms   (json_to_recordset, joined)
--   Time: 1988.027 ms   (jsonb_to_record per row, LATERAL)
--   Time: 1078.596 ms   (the jsonb parse alone)
--   Time:  336.366 ms   (the json parse alone)
CREATE TEMP TABLE arr AS SELECT
  (SELECT json_agg(json_build_object('key', n, 'id', 'job-'||n, 'job','DrainJob','queue','drain-q','state','succeeded','attempt',1,'enqueued_at',1733390000000+n,'finished_at',1733390000500+n,'result','1','ttl_ms',86400000))::text FROM generate_series(1,100) n) AS a,
  (SELECT json_object_agg(n||':1', json_build_object('id', 'job-'||n, 'job','DrainJob','queue','drain-q','state','succeeded','attempt',1,'enqueued_at',1733390000000+n,'finished_at',1733390000500+n,'result','1','ttl_ms',86400000))::text FROM generate_series(1,100) n) AS o;
CREATE TEMP TABLE d AS SELECT n::bigint AS seq, 1 AS attempts FROM generate_series(1,100) n;
ANALYZE d;
\timing on
DO $$ DECLARE t text; c int; BEGIN SELECT a INTO t FROM arr; FOR i IN 1..2000 LOOP EXECUTE format('SELECT count(*) FROM d JOIN json_to_recordset(%L::json) AS r(key bigint, id text, job text, queue text, state text, attempt int, result text, error text, enqueued_at bigint, finished_at bigint, run_at bigint, ttl_ms bigint) ON r.key = d.seq', t) INTO c; END LOOP; END $$;
DO $$ DECLARE t text; c int; BEGIN SELECT o INTO t FROM arr; FOR i IN 1..2000 LOOP EXECUTE format('SELECT count(*) FROM d CROSS JOIN LATERAL jsonb_to_record(%L::jsonb -> (d.seq::text || '':'' || d.attempts::text)) AS r(id text, job text, queue text, state text, attempt int, result text, error text, enqueued_at bigint, finished_at bigint, run_at bigint, ttl_ms bigint) WHERE r.id IS NOT NULL', t) INTO c; END LOOP; END $$;
DO $$ DECLARE t text; c int; BEGIN SELECT o INTO t FROM arr; FOR i IN 1..2000 LOOP EXECUTE format('SELECT count(*) FROM (SELECT %L::jsonb AS j) x', t) INTO c; END LOOP; END $$;
DO $$ DECLARE t text; c int; BEGIN SELECT a INTO t FROM arr; FOR i IN 1..2000 LOOP EXECUTE format('SELECT count(*) FROM (SELECT %L::json AS j) x', t) INTO c; END LOOP; END $$;
