-- A claim as one function: lease up to `wanted` ready messages of one queue,
-- chosen in the claim index's order (priority, longest due, enqueue order),
-- an ordering key's message only when it is the oldest left of its key,
-- locked with SKIP LOCKED, and with `start_records` note when a record kept
-- in its message row started. A function so that its planner settings travel
-- with it: with statistics that predate a burst into a queue (the last
-- ANALYZE saw other queues, a vacuum found the table empty), the planner
-- estimated a few dozen rows for 20,000 and chose a bitmap scan and a sort of
-- the whole queue for every claim of 100
-- (benchmarks/results/postgres-stale-stats-2026-12-04.md). Here reading the
-- index in order is the only plan it can cost low. JIT is off too: the body is
-- planned without the parameters' values, so `LIMIT wanted` is costed at a
-- tenth of the queue, and on a backlog of 200,000 that crossed jit_above_cost
-- (10-18 ms of compilation per claim of 100). The choice and the update are
-- one statement, so they share one snapshot: a row committed between two
-- snapshots would be locked but not updated, hidden from other claimers.
-- Settings on the function, not the session: the pool may be the
-- application's, and PgBouncer in transaction mode would pass a session's
-- settings on to other clients.
-- Additive: a worker of the previous release keeps its own statement.
-- The body holds no semicolon: migrate() splits a file into statements at each.
CREATE FUNCTION {{schema}}.claim_messages(queue_name text, wanted integer, lease_ms double precision, start_records boolean)
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
      run_at = now() + lease_ms * interval '1 millisecond',
      record_started_at = CASE WHEN start_records AND m.record_job IS NOT NULL
        THEN (extract(epoch FROM clock_timestamp()) * 1000)::bigint ELSE m.record_started_at END
  FROM claimable WHERE m.ctid = claimable.row_id
  RETURNING m.seq, m.id, m.body, m.attempts, m.attempts - m.handed_back, m.priority, claimable.run_at, m.record_job
$$;
