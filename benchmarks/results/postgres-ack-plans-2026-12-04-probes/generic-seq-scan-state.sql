-- psql -f generic-seq-scan-state.sql (after trap-reltuples-zero.sql, for its table shape): VACUUM ANALYZE on an empty table, 6 runs of the prepared ack, then 30,000 rows: the cached generic plan stays a Seq Scan.
DROP SCHEMA IF EXISTS p2 CASCADE; CREATE SCHEMA p2;
CREATE TABLE p2.messages (LIKE planprobe.messages INCLUDING ALL);
ALTER TABLE p2.messages SET (autovacuum_enabled = off);
VACUUM ANALYZE p2.messages;
INSERT INTO p2.messages (id, queue, body, attempts) SELECT 'a-' || n, 'current', 'x', 1 FROM generate_series(1, 300) AS n;
SELECT array_agg(seq) AS s, array_agg(attempts) AS a FROM p2.messages WHERE queue = 'current' \gset
PREPARE old(bigint[], integer[], text) AS WITH deleted AS (DELETE FROM p2.messages m USING unnest($1::bigint[], $2::integer[]) AS token(seq, attempts)
  WHERE m.seq = ANY($1::bigint[]) AND m.seq = token.seq AND m.attempts = token.attempts RETURNING m.seq, m.queue, m.ordering_key)
  SELECT count(pg_notify($3, queue)) FROM (SELECT DISTINCT queue FROM deleted WHERE ordering_key IS NOT NULL) AS unblocked;
BEGIN; SAVEPOINT a;
EXECUTE old(:'s', :'a', 'x'); ROLLBACK TO a;
EXECUTE old(:'s', :'a', 'x'); ROLLBACK TO a;
EXECUTE old(:'s', :'a', 'x'); ROLLBACK TO a;
EXECUTE old(:'s', :'a', 'x'); ROLLBACK TO a;
EXECUTE old(:'s', :'a', 'x'); ROLLBACK TO a;
EXECUTE old(:'s', :'a', 'x'); ROLLBACK TO a;
EXPLAIN (COSTS OFF) EXECUTE old(:'s', :'a', 'x');
COMMIT;
INSERT INTO p2.messages (id, queue, body) SELECT 'l-' || n, 'leftover', repeat('x', 100) FROM generate_series(1, 30000) AS n;
SELECT generic_plans, custom_plans FROM pg_prepared_statements;
EXPLAIN (COSTS OFF, ANALYZE) EXECUTE old(:'s', :'a', 'x');
