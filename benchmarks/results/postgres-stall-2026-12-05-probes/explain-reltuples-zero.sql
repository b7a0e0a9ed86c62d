-- psql <url> -v hide_due=<on|off> -f explain-reltuples-zero.sql: the claim body (migration 8) as the planner plans it when pg_class reads 0 rows for
-- hopper.messages (as after a vacuum that found it empty and kept its pages), custom and generic plan, in a transaction
-- rolled back (pg_class is only changed inside it; superuser). -v hide_due=on also marks messages_due_idx invalid inside it:
-- what the primary key's plan costs.
BEGIN;
UPDATE pg_class SET reltuples = 0 WHERE oid = 'hopper.messages'::regclass;
SELECT :'hide_due' = 'on' AS hide_due \gset
\if :hide_due
  UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'hopper.messages_due_idx'::regclass;
\endif
SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off;
PREPARE c(text, int, float8) AS
  WITH claimable AS (
    SELECT m.seq AS row_seq, m.run_at FROM hopper.messages m
    WHERE m.queue = $1 AND m.run_at <= now()
      AND (m.ordering_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM hopper.messages earlier
        WHERE earlier.queue = m.queue AND earlier.ordering_key = m.ordering_key AND earlier.seq < m.seq))
    ORDER BY m.priority DESC, m.run_at, m.seq
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  UPDATE hopper.messages m
  SET attempts = m.attempts + 1, locked_until = now() + $3 * interval '1 millisecond', run_at = now() + $3 * interval '1 millisecond'
  FROM claimable WHERE m.seq = claimable.row_seq
  RETURNING m.seq;
EXPLAIN EXECUTE c('probe-latency', 170, 30000);
SET LOCAL plan_cache_mode = force_generic_plan;
EXPLAIN EXECUTE c('probe-latency', 170, 30000);
ROLLBACK;
