BEGIN;
INSERT INTO planprobe.messages (id, queue, body, run_at) SELECT 'left-' || n, 'leftover', repeat('x', 100), now() FROM generate_series(1, 20000) AS n;
INSERT INTO planprobe.messages (id, queue, body, run_at, attempts) SELECT 'ack-' || n, 'current', repeat('x', 100), now(), 1 FROM generate_series(1, 300) AS n;
SELECT array_agg(seq) AS s, array_agg(attempts) AS a, min(seq) lo, max(seq) hi FROM planprobe.messages WHERE queue = 'current' \gset
PREPARE c3(bigint[], integer[], text, bigint, bigint) AS WITH deleted AS (DELETE FROM planprobe.messages m
  WHERE m.seq BETWEEN $4 AND $5 AND m.seq = ANY($1::bigint[]) AND m.attempts = ($2::integer[])[array_position($1::bigint[], m.seq)] RETURNING m.seq, m.queue, m.ordering_key)
  SELECT count(pg_notify($3, queue)) FROM (SELECT DISTINCT queue FROM deleted WHERE ordering_key IS NOT NULL) AS unblocked;
SAVEPOINT a;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE c3(:'s', :'a', 'x', :lo, :hi);
ROLLBACK TO a;
SET plan_cache_mode = force_custom_plan;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE c3(:'s', :'a', 'x', :lo, :hi);
ROLLBACK;
