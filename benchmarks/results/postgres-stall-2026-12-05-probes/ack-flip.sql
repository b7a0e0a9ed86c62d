-- (from this folder) psql <url> -v due_key=<column|expression> -f ack-flip.sql: the ack's plan on a copy of hopper.messages after 300,000 jobs went
-- through it and a vacuum that found it empty kept its pages (pg_class: 0 rows on them), with 20,000 rows of one queue
-- since: the released ack statement, then lookups by seq the proposal could use instead. EXPLAIN (ANALYZE, BUFFERS) in a
-- transaction rolled back each time. -v due_key=expression: the due index's last key is (seq + 0) instead of seq, which
-- no predicate on seq can use (the claim orders by the same expression to read it in order).
\set ON_ERROR_STOP 1
DROP SCHEMA IF EXISTS ackflip CASCADE;
CREATE SCHEMA ackflip;
CREATE TABLE ackflip.messages (LIKE hopper.messages INCLUDING ALL);
ALTER TABLE ackflip.messages SET (autovacuum_enabled = false, fillfactor = 50);
SELECT :'due_key' = 'expression' AS due_by_expression \gset
\if :due_by_expression
  SELECT 'DROP INDEX ackflip.' || quote_ident(c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'ackflip.messages'::regclass AND pg_get_indexdef(i.indexrelid) LIKE '%(queue, priority DESC, run_at, seq)%' \gexec
  CREATE INDEX messages_due_expr_idx ON ackflip.messages (queue, priority DESC, run_at, (seq + 0));
\endif
INSERT INTO ackflip.messages (id, queue, body) SELECT 'old-' || n, 'q', '{"a":1}' FROM generate_series(1, 300000) n;
-- Each job is claimed once (a non-HOT update: run_at moves) before it is acked.
UPDATE ackflip.messages SET attempts = 1, run_at = now() + interval '30 seconds', locked_until = now() + interval '30 seconds';
DELETE FROM ackflip.messages;
VACUUM (TRUNCATE false) ackflip.messages;
INSERT INTO ackflip.messages (id, queue, body, run_at) SELECT 'new-' || n, 'q', '{"a":1}', now() - interval '1 second' FROM generate_series(1, 20000) n;
SELECT c.relname, c.reltuples, c.relpages FROM pg_class c WHERE c.relnamespace = 'ackflip'::regnamespace AND c.relkind IN ('r', 'i') ORDER BY 1;
SELECT '{' || string_agg(seq::text, ',') || '}' AS seqs FROM (SELECT seq FROM ackflip.messages ORDER BY seq LIMIT 300) s \gset
\echo '--- the released ack (delete-messages.ts)'
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS ON, TIMING OFF) WITH deleted AS (
  DELETE FROM ackflip.messages m USING unnest(:'seqs'::bigint[], array_fill(0, ARRAY[300])) AS token(seq, attempts)
  WHERE m.seq = ANY(:'seqs'::bigint[]) AND m.seq = token.seq AND m.attempts = token.attempts
  RETURNING m.seq, m.queue, m.ordering_key)
SELECT count(*) FROM deleted;
ROLLBACK;
\echo '--- one row by seq (a per-token probe)'
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS ON, TIMING OFF) DELETE FROM ackflip.messages m WHERE m.seq = (:'seqs'::bigint[])[1] AND m.attempts = 0;
ROLLBACK;
\echo '--- the same with seqscan and bitmapscan off (settings a function could carry)'
BEGIN;
SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;
EXPLAIN (ANALYZE, BUFFERS, COSTS ON, TIMING OFF) WITH deleted AS (
  DELETE FROM ackflip.messages m USING unnest(:'seqs'::bigint[], array_fill(0, ARRAY[300])) AS token(seq, attempts)
  WHERE m.seq = ANY(:'seqs'::bigint[]) AND m.seq = token.seq AND m.attempts = token.attempts
  RETURNING m.seq, m.queue, m.ordering_key)
SELECT count(*) FROM deleted;
EXPLAIN (ANALYZE, BUFFERS, COSTS ON, TIMING OFF) DELETE FROM ackflip.messages m WHERE m.seq = (:'seqs'::bigint[])[2] AND m.attempts = 0;
ROLLBACK;
\echo '--- the claim''s choice of rows, ordered as the index (seq, or seq + 0 with due_key=expression), function settings'
BEGIN;
SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off;
\if :due_by_expression
EXPLAIN (ANALYZE, BUFFERS, COSTS ON, TIMING OFF) SELECT m.ctid, m.run_at FROM ackflip.messages m WHERE m.queue = 'q' AND m.run_at <= now()
  ORDER BY m.priority DESC, m.run_at, (m.seq + 0) LIMIT 187 FOR UPDATE SKIP LOCKED;
\else
EXPLAIN (ANALYZE, BUFFERS, COSTS ON, TIMING OFF) SELECT m.ctid, m.run_at FROM ackflip.messages m WHERE m.queue = 'q' AND m.run_at <= now()
  ORDER BY m.priority DESC, m.run_at, m.seq LIMIT 187 FOR UPDATE SKIP LOCKED;
\endif
ROLLBACK;
DROP SCHEMA ackflip CASCADE;
