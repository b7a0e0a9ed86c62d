-- (from this folder) psql <url> -v variant=<key|include> -v ack_settings=<released|off> -f index-variants.sql: the claim (migration 8's function) and the ack statement on a copy
-- of hopper.messages after a vacuum that found it empty and kept its pages (pg_class: 0 rows), with 20,000 rows of one
-- queue added since. variant=key keeps messages_due_idx as released (queue, priority DESC, run_at, seq); variant=include
-- makes seq a non-key column of it (INCLUDE), so no lookup by seq can walk it. Plans through auto_explain (as logged).
\set ON_ERROR_STOP 1
DROP SCHEMA IF EXISTS stallcheck CASCADE;
CREATE SCHEMA stallcheck;
CREATE TABLE stallcheck.messages (LIKE hopper.messages INCLUDING ALL);
ALTER TABLE stallcheck.messages SET (autovacuum_enabled = false);
SELECT :'variant' = 'include' AS include_seq \gset
\if :include_seq
  SELECT 'DROP INDEX stallcheck.' || quote_ident(c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'stallcheck.messages'::regclass AND pg_get_indexdef(i.indexrelid) LIKE '%(queue, priority DESC, run_at, seq)%' \gexec
  CREATE INDEX messages_due_idx ON stallcheck.messages (queue, priority DESC, run_at) INCLUDE (seq);
\endif
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'stallcheck.messages'::regclass;
INSERT INTO stallcheck.messages (id, queue, body) SELECT 'old-' || n, 'old-' || (n % 500), '{}' FROM generate_series(1, 20000) n;
DELETE FROM stallcheck.messages;
VACUUM (TRUNCATE false) stallcheck.messages;
INSERT INTO stallcheck.messages (id, queue, body, run_at) SELECT 'new-' || n, 'q', '{}', now() - interval '1 second' FROM generate_series(1, 20000) n;
SELECT reltuples, relpages FROM pg_class WHERE oid = 'stallcheck.messages'::regclass;
-- Migration 8's claim function, on this schema.
\! sed 's/{{schema}}/stallcheck/g' ../../../packages/postgres/src/migrations/000008_claim_follows_changed_rows.sql > /tmp/stallcheck-claim.sql
\i /tmp/stallcheck-claim.sql
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on; SET auto_explain.log_timing = off; SET auto_explain.log_level = notice; SET client_min_messages = notice;
BEGIN;
SELECT count(*) AS claimed FROM stallcheck.claim_messages('q', 187, 30000, false);
ROLLBACK;
-- The ack as released (plain SQL, the session's settings), then with the claim function's settings (seqscan and bitmapscan off).
SELECT 'off' = :'ack_settings' AS ack_settings_off \gset
BEGIN;
\if :ack_settings_off
  SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;
\endif
SELECT '{' || string_agg(seq::text, ',') || '}' AS seqs FROM (SELECT seq FROM stallcheck.messages ORDER BY seq LIMIT 300) s \gset
WITH deleted AS (
  DELETE FROM stallcheck.messages m
  USING unnest(:'seqs'::bigint[], array_fill(0, ARRAY[300])) AS token(seq, attempts)
  WHERE m.seq = ANY(:'seqs'::bigint[]) AND m.seq = token.seq AND m.attempts = token.attempts
  RETURNING m.seq, m.queue, m.ordering_key)
SELECT count(*) AS acked FROM deleted;
ROLLBACK;
DROP SCHEMA stallcheck CASCADE;
