-- The dedupe holders' lookup, joined (as shipped) against probed per key (LATERAL … OFFSET 0), on a copy of hopper.messages
-- read as empty (vacuumed empty, pages kept), then analyzed:  psql "$HOPPER_TEST_POSTGRES_URL" -X -q -f dedupe-holders-plan.sql
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS public.dedupe_probe;
CREATE TABLE public.dedupe_probe (LIKE hopper.messages INCLUDING ALL) WITH (autovacuum_enabled = off);
INSERT INTO public.dedupe_probe (id, queue, body) SELECT 'gone-' || n, 'drained', repeat('x', 100) FROM generate_series(1, 100000) AS n;
DELETE FROM public.dedupe_probe;
VACUUM (TRUNCATE false) public.dedupe_probe;
INSERT INTO public.dedupe_probe (id, queue, body, dedupe_key) SELECT 'left-' || n, 'leftover', 'x', 'key-' || n FROM generate_series(1, 20000) AS n;
INSERT INTO public.dedupe_probe (id, queue, body, dedupe_key) SELECT 'held-' || n, 'dedupe', 'x', 'dedupe-' || n FROM generate_series(1, 1000) AS n;
SELECT array_agg('dedupe'::text)::text AS queues, array_agg('dedupe-' || n)::text AS keys FROM generate_series(1, 1000) AS n \gset
EXPLAIN (ANALYZE, COSTS ON, SUMMARY ON)
SELECT m.id, m.queue, m.dedupe_key FROM public.dedupe_probe m
     JOIN unnest(:'queues'::text[], :'keys'::text[]) AS wanted(queue, dedupe_key) USING (queue, dedupe_key);
EXPLAIN (ANALYZE, COSTS ON, SUMMARY ON)
SELECT holder.id, wanted.queue, wanted.dedupe_key FROM unnest(:'queues'::text[], :'keys'::text[]) AS wanted(queue, dedupe_key)
     CROSS JOIN LATERAL (SELECT m.id FROM public.dedupe_probe m WHERE m.queue = wanted.queue AND m.dedupe_key = wanted.dedupe_key OFFSET 0) holder;
ANALYZE public.dedupe_probe;
EXPLAIN (ANALYZE, COSTS ON, SUMMARY ON)
SELECT holder.id, wanted.queue, wanted.dedupe_key FROM unnest(:'queues'::text[], :'keys'::text[]) AS wanted(queue, dedupe_key)
     CROSS JOIN LATERAL (SELECT m.id FROM public.dedupe_probe m WHERE m.queue = wanted.queue AND m.dedupe_key = wanted.dedupe_key OFFSET 0) holder;
DROP TABLE public.dedupe_probe;
