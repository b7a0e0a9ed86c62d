-- 1,000,000 finished records of earlier jobs, analyzed, as a server that has run a while keeps (the review of
-- cf37474 measured the claim against such a table):  psql "$HOPPER_TEST_POSTGRES_URL" -X -q -f old-records.sql
INSERT INTO hopper.job_records (id, job, queue, state, attempt, enqueued_at, finished_at, expires_at)
  SELECT 'earlier-' || n, 'Bench', 'earlier', 'succeeded', 1, 0, n, now() + interval '7 days' FROM generate_series(1, 1000000) AS n;
VACUUM ANALYZE hopper.job_records;
SELECT reltuples::bigint AS job_records_reltuples FROM pg_class WHERE oid = 'hopper.job_records'::regclass;
