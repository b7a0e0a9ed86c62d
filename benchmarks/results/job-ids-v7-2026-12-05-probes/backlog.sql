-- A backlog of 1,000,000 waiting jobs with records (version 4 ids, as releases before this one made), due in a
-- year so no probe claims them: what messages_record_idx holds on a server with a deep queue.
--   psql <url> -f backlog.sql
INSERT INTO hopper.messages (id, queue, body, run_at, record_job, record_enqueued_at, record_run_at, record_args)
SELECT gen_random_uuid()::text, 'backlog', '{"hopper":1}', now() + interval '1 year', 'BenchJob', 1764800000000 + g, 1764800000000 + g, '[' || g || ']'
FROM generate_series(1, 1000000) g;
VACUUM ANALYZE hopper.messages;
SELECT pg_size_pretty(pg_relation_size('hopper.messages_record_idx')) AS messages_record_idx;
