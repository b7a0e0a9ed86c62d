-- A claim that leaves the row's due time as it is: `keep_due` (a fifth
-- argument; the four-argument claim of migration 6 calls it with false).
-- Moving `run_at` to the lease's end made every claimed row a non-HOT update:
-- a new row version with an entry in the primary key and the due index.
-- Leaving it (the lease is `locked_until`, which no index holds) lets the
-- update stay on its page with no index entry (fillfactor 50, migration 4):
-- in a drain of 20,000 no-op jobs at concurrency 10, server CPU 24-27 ->
-- 18-21 us and WAL 459 -> 221 B per job
-- (benchmarks/results/postgres-claim-keeps-due-2026-12-05.md). Its cost: a
-- row so leased stays at the front of the due index, and every claim of the
-- queue steps over it until it is acked, released, or its lease is renewed
-- (a renewal moves `run_at`); the worker asks for it only while few leased
-- rows sit there (`claim_front_leases`, operations/claim-front.ts).
-- Every claimer now skips a row whose lease has not ended, whatever its
-- `run_at` says: the four-argument function of a worker of the previous
-- release (called by name) included. A claim statement of a release before
-- migration 6 does not: see packages/postgres/README.md, upgrade notes.
-- The body holds no semicolon: migrate() splits a file into statements at each.
CREATE FUNCTION {{schema}}.claim_messages(queue_name text, wanted integer, lease_ms double precision, start_records boolean, keep_due boolean)
RETURNS TABLE (seq bigint, id text, body text, attempts integer, counted integer, priority integer, due timestamptz, record_job text)
LANGUAGE sql VOLATILE
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_sort = off
SET jit = off
AS $$
  WITH claimable AS (
    SELECT m.ctid AS row_id, m.run_at FROM {{schema}}.messages m
    WHERE m.queue = queue_name AND m.run_at <= now()
      AND (m.locked_until IS NULL OR m.locked_until <= now())
      AND (m.ordering_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM {{schema}}.messages earlier
        WHERE earlier.queue = m.queue AND earlier.ordering_key = m.ordering_key AND earlier.seq < m.seq))
    ORDER BY m.priority DESC, m.run_at, m.seq
    LIMIT wanted
    FOR UPDATE SKIP LOCKED
  )
  UPDATE {{schema}}.messages m
  SET attempts = m.attempts + 1,
      locked_until = now() + lease_ms * interval '1 millisecond',
      run_at = CASE WHEN keep_due THEN m.run_at ELSE now() + lease_ms * interval '1 millisecond' END,
      record_started_at = CASE WHEN start_records AND m.record_job IS NOT NULL
        THEN (extract(epoch FROM clock_timestamp()) * 1000)::bigint ELSE m.record_started_at END
  FROM claimable WHERE m.ctid = claimable.row_id
  RETURNING m.seq, m.id, m.body, m.attempts, m.attempts - m.handed_back, m.priority, claimable.run_at, m.record_job
$$;

CREATE OR REPLACE FUNCTION {{schema}}.claim_messages(queue_name text, wanted integer, lease_ms double precision, start_records boolean)
RETURNS TABLE (seq bigint, id text, body text, attempts integer, counted integer, priority integer, due timestamptz, record_job text)
LANGUAGE sql VOLATILE
AS $$
  SELECT * FROM {{schema}}.claim_messages(queue_name, wanted, lease_ms, start_records, false)
$$;

-- How many of the first `window_rows` due rows of a queue (the claim index's order) are leased: what a claim would
-- step over. Its settings are the claim's, for the same reason (an index read in order whatever the statistics say).
CREATE FUNCTION {{schema}}.claim_front_leases(queue_name text, window_rows integer)
RETURNS bigint
LANGUAGE sql STABLE
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_sort = off
SET jit = off
AS $$
  SELECT count(*) FILTER (WHERE front.locked_until > now()) FROM (
    SELECT m.locked_until FROM {{schema}}.messages m
    WHERE m.queue = queue_name AND m.run_at <= now()
    ORDER BY m.priority DESC, m.run_at, m.seq
    LIMIT window_rows
  ) front
$$;
