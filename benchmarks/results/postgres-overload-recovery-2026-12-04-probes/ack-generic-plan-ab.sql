-- planprobe.messages: 50,000 rows inserted, claimed (updated), deleted, VACUUMed (reltuples 0, relpages 3818, truncate off); then 20,000 rows of a leftover queue and 300 of the acked queue
BEGIN;
INSERT INTO planprobe.messages (id, queue, body, run_at) SELECT 'left-' || n, 'leftover', repeat('x', 100), now() FROM generate_series(1, 20000) AS n;
INSERT INTO planprobe.messages (id, queue, body, run_at, attempts) SELECT 'ack-' || n, 'current', repeat('x', 100), now(), 1 FROM generate_series(1, 300) AS n;
SELECT array_agg(seq) AS s, array_agg(attempts) AS a FROM planprobe.messages WHERE queue = 'current' \gset
SET plan_cache_mode = force_generic_plan;
PREPARE old(bigint[], integer[], text) AS WITH deleted AS (DELETE FROM planprobe.messages m USING unnest($1::bigint[], $2::integer[]) AS token(seq, attempts)
  WHERE m.seq = ANY($1::bigint[]) AND m.seq = token.seq AND m.attempts = token.attempts RETURNING m.seq, m.queue, m.ordering_key)
  SELECT count(pg_notify($3, queue)) FROM (SELECT DISTINCT queue FROM deleted WHERE ordering_key IS NOT NULL) AS unblocked;
PREPARE new(bigint[], integer[], text) AS WITH deleted AS (DELETE FROM planprobe.messages m
  WHERE m.seq = ANY($1::bigint[]) AND m.attempts = ($2::integer[])[array_position($1::bigint[], m.seq)] RETURNING m.seq, m.queue, m.ordering_key)
  SELECT count(pg_notify($3, queue)) FROM (SELECT DISTINCT queue FROM deleted WHERE ordering_key IS NOT NULL) AS unblocked;
SAVEPOINT a;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE old(:'s', :'a', 'x');
ROLLBACK TO a;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE new(:'s', :'a', 'x');
ROLLBACK TO a;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE old(:'s', :'a', 'x');
ROLLBACK TO a;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE new(:'s', :'a', 'x');
ROLLBACK;
