INSERT INTO exp_rec.job_records (id, job, queue, state, attempt, enqueued_at, started_at, finished_at, expires_at, args)
SELECT lpad(to_hex(b * 100 + g), 12, '0') || '-7000-8000-0000-000000000000', 'BenchJob', 'bench', 'succeeded', 1, 1765000000000, 1765000000100, 1765000000200,
  now() + interval '1 day', '{"args":[1]}'
FROM (SELECT nextval('exp_rec.n') AS b) s, generate_series(1, 100) g;
