INSERT INTO exp_rec.finished_batches (finished_at, expires_at, ids, records)
SELECT 1765000000200, now() + interval '1 day', array_agg(id), '{}'::jsonb
FROM (SELECT lpad(to_hex(b * 100 + g), 12, '0') || '-7000-8000-0000-000000000000' AS id FROM (SELECT nextval('exp_rec.n') AS b) s, generate_series(1, 100) g) r;
