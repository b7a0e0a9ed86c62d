-- 2,000,000 finished records with version 4 ids (as releases before this one made): a day of a queue finishing ~25
-- jobs a second, kept for a day (the default keep of succeeded records).
--   psql <url> -f history.sql
INSERT INTO hopper.job_records (id, job, queue, state, attempt, result, enqueued_at, started_at, finished_at, args, expires_at)
SELECT gen_random_uuid()::text, 'BenchJob', 'history', 'succeeded', 1, 'null', 1764800000000 + g, 1764800000100 + g, 1764800000200 + g, '[' || g || ']', now() + interval '1 day' + g * interval '1 ms'
FROM generate_series(1, 2000000) g;
VACUUM ANALYZE hopper.job_records;
SELECT pg_size_pretty(pg_relation_size('hopper.job_records_pkey')) AS job_records_pkey;
