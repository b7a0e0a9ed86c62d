INSERT INTO exp_rec.finished_batches (finished_at, expires_at, ids, records)
SELECT 1765000000200, now() + interval '1 day', array_agg(id), jsonb_object_agg(id, jsonb_build_object('job', 'BenchJob', 'queue', 'bench', 'attempt', 1, 'enqueued_at', 1765000000000, 'started_at', 1765000000100, 'finished_at', 1765000000200, 'args', '{"args":[1]}'))
FROM (SELECT lpad(to_hex(b * 100 + g), 12, '0') || '-7000-8000-0000-000000000000' AS id FROM (SELECT nextval('exp_rec.n') AS b) s, generate_series(1, 100) g) r;
