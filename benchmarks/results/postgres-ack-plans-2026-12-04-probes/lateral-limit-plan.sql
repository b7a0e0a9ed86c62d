-- psql -v mode=force_custom_plan|force_generic_plan -f lateral-limit-plan.sql (after trap-reltuples-zero.sql): a per-token LATERAL primary-key lookup (LIMIT 1) joined by ctid.
SELECT array_agg(seq) AS s, array_agg(attempts) AS a FROM planprobe.messages WHERE queue = 'current' \gset
BEGIN;
SET LOCAL plan_cache_mode = :mode;
PREPARE lat(bigint[], integer[], text) AS WITH deleted AS (DELETE FROM planprobe.messages m
  USING unnest($1::bigint[], $2::integer[]) AS token(seq, attempts) CROSS JOIN LATERAL (SELECT x.ctid FROM planprobe.messages x WHERE x.seq = token.seq LIMIT 1) found
  WHERE m.ctid = found.ctid AND m.seq = token.seq AND m.attempts = token.attempts
  RETURNING m.seq, m.queue, m.ordering_key)
  SELECT count(pg_notify($3, queue)) FROM (SELECT DISTINCT queue FROM deleted WHERE ordering_key IS NOT NULL) AS unblocked;
SAVEPOINT a;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE lat(:'s', :'a', 'x');
ROLLBACK;
