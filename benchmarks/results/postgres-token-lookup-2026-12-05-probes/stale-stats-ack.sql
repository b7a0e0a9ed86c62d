-- The ack's token match on statistics that read `messages` as empty (a vacuum found it empty and kept its pages),
-- 1,000 leased rows among 20,000: the join with the token list (before) against the jsonb key lookup (after).
-- Run against a server whose `hopper` schema is migrated (the bench makes it); it works on a copy of the table and
-- changes nothing else:  psql "$HOPPER_TEST_POSTGRES_URL" -X -At -f stale-stats-ack.sql
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS public.token_probe;
CREATE TABLE public.token_probe (LIKE hopper.messages INCLUDING ALL) WITH (autovacuum_enabled = off);
INSERT INTO public.token_probe (id, queue, body) SELECT 'gone-' || n, 'drained', repeat('x', 100) FROM generate_series(1, 100000) AS n;
UPDATE public.token_probe SET attempts = 1, run_at = now() + interval '30 seconds', locked_until = now() + interval '30 seconds';
DELETE FROM public.token_probe;
VACUUM (TRUNCATE false) public.token_probe;
SELECT reltuples, relpages FROM pg_class WHERE oid = 'public.token_probe'::regclass;
INSERT INTO public.token_probe (id, queue, body) SELECT 'left-' || n, 'leftover', repeat('x', 100) FROM generate_series(1, 20000) AS n;
INSERT INTO public.token_probe (id, queue, body, attempts, locked_until, run_at)
  SELECT 'leased-' || n, 'acked', 'x', 1, now() + interval '1 hour', now() + interval '1 hour' FROM generate_series(1, 1000) AS n;
SELECT array_agg(seq ORDER BY seq)::text AS seqs, array_agg(attempts ORDER BY seq)::text AS attempts,
       jsonb_object_agg(seq::text || ':' || attempts::text, 0)::text AS tokens
  FROM public.token_probe WHERE queue = 'acked' \gset
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
DELETE FROM public.token_probe m USING unnest(:'seqs'::bigint[], :'attempts'::integer[]) AS token(seq, attempts)
  WHERE m.seq = ANY(:'seqs'::bigint[]) AND m.seq = token.seq AND m.attempts = token.attempts;
ROLLBACK;
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
DELETE FROM public.token_probe m
  WHERE m.seq = ANY(:'seqs'::bigint[]) AND :'tokens'::jsonb ? (m.seq::text || ':' || m.attempts::text);
ROLLBACK;
DROP TABLE public.token_probe;
