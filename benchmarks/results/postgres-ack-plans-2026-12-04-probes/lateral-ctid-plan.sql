-- psql -f lateral-ctid-plan.sql (after trap-reltuples-zero.sql): the old ack vs ctid = ANY(ARRAY(per-token LATERAL lookup)), custom plans.
SELECT array_agg(seq) AS s, array_agg(attempts) AS a FROM planprobe.messages WHERE queue = 'current' \gset
BEGIN;
SET LOCAL plan_cache_mode = force_custom_plan;
PREPARE old(bigint[], integer[], text) AS WITH deleted AS (DELETE FROM planprobe.messages m USING unnest($1::bigint[], $2::integer[]) AS token(seq, attempts)
  WHERE m.seq = ANY($1::bigint[]) AND m.seq = token.seq AND m.attempts = token.attempts RETURNING m.seq, m.queue, m.ordering_key)
  SELECT count(pg_notify($3, queue)) FROM (SELECT DISTINCT queue FROM deleted WHERE ordering_key IS NOT NULL) AS unblocked;
PREPARE lat(bigint[], integer[], text) AS WITH deleted AS (DELETE FROM planprobe.messages m
  WHERE m.ctid = ANY (ARRAY(SELECT found.ctid FROM unnest($1::bigint[], $2::integer[]) AS token(seq, attempts) CROSS JOIN LATERAL (SELECT x.ctid FROM planprobe.messages x WHERE x.seq = token.seq AND x.attempts = token.attempts) found))
  RETURNING m.seq, m.queue, m.ordering_key)
  SELECT count(pg_notify($3, queue)) FROM (SELECT DISTINCT queue FROM deleted WHERE ordering_key IS NOT NULL) AS unblocked;
SAVEPOINT a;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE old(:'s', :'a', 'x');
ROLLBACK TO a;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE lat(:'s', :'a', 'x');
ROLLBACK;
