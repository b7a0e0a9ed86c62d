-- After a vacuum that finds `messages` empty (a drained queue) and cannot give
-- its pages back (autovacuum truncates only when no one else wants the table),
-- pg_class reads 0 rows on thousands of pages, and the planner takes the table
-- for empty however much it later holds. It then served every lookup by `seq`
-- by walking the whole due index (seq was its last key column), dead entries
-- included: the claim's update once per claimed row (187 rows: 176,088
-- buffers, 0.39 s), the ack's `seq = ANY(...)` per batch (300 rows: 342,289
-- buffers, 0.44 s). Under 8,000 jobs/s a worker fell behind for good until an
-- autovacuum saw the backlog: seconds of p99, or whole rounds without a start
-- (benchmarks/results/postgres-stall-2026-12-05.md).
--
-- 1. The due index's last key becomes the expression (seq + 0): the same order
--    for claims (ties of priority and run_at in enqueue order), but no
--    predicate on seq can use it, so the ack, release, lease renewal and
--    take-scheduled find rows by the primary key whatever the statistics. The
--    build holds writes to `messages` while it runs (as migrations 2 and 5 did):
--    about a second per million queued messages.
-- 2. The claim (migrations 6 and 8) updates the rows it locked by their row
--    address: one statement locks them (FOR UPDATE SKIP LOCKED) and keeps each
--    row's ctid (the lock's: a row changed and committed meanwhile is locked in
--    its newest version) and its old run_at; the update, a second statement
--    with its own snapshot (which sees that newest version: migration 6's single
--    statement could not, the reason migration 8 joined on seq), reads each by
--    address, a TID scan whatever the statistics say. The rows stay locked by
--    this transaction in between; an empty claim stops after the first.
-- 3. Take-scheduled orders by the same expression, so it keeps reading the index
--    in order.
-- Same names, arguments and results: a worker of the previous release calls
-- these functions too, and gets the fix with the migration.
-- migrate() splits a file into statements at each semicolon outside a $$ body.
-- The strongest lock first: raised from CREATE INDEX's SHARE to DROP INDEX's
-- ACCESS EXCLUSIVE while workers claimed, this transaction deadlocked with a
-- claim holding the ROW SHARE lock of its FOR UPDATE and waiting for its
-- update's ROW EXCLUSIVE. Waiting for it holds every statement on `messages`
-- (enqueues and claims queue behind the request), and a transaction left open
-- on the table (an application's enqueue inside a long transaction, a pg_dump)
-- would make that wait as long as its own: give up after 5 s instead. migrate()
-- then fails with "canceling statement due to lock timeout", nothing applied;
-- run it again once that transaction has ended.
SET LOCAL lock_timeout = '5s';
LOCK TABLE {{schema}}.messages IN ACCESS EXCLUSIVE MODE;
CREATE INDEX messages_due_by_position_idx ON {{schema}}.messages (queue, priority DESC, run_at, (seq + 0));
DROP INDEX {{schema}}.messages_due_idx;
ALTER INDEX {{schema}}.messages_due_by_position_idx RENAME TO messages_due_idx;
CREATE OR REPLACE FUNCTION {{schema}}.claim_messages(queue_name text, wanted integer, lease_ms double precision, start_records boolean)
RETURNS TABLE (seq bigint, id text, body text, attempts integer, counted integer, priority integer, due timestamptz, record_job text)
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_sort = off
SET enable_hashjoin = off
SET enable_mergejoin = off
SET jit = off
AS $$
DECLARE
  locked_rows tid[];
  locked_dues timestamptz[];
BEGIN
  -- The update's lock from the start, not raised from the FOR UPDATE's between the two statements: a raise
  -- deadlocks with a transaction that took a SHARE lock on the table meanwhile (a CREATE INDEX).
  LOCK TABLE {{schema}}.messages IN ROW EXCLUSIVE MODE;
  SELECT array_agg(claimable.row_address), array_agg(claimable.run_at) INTO locked_rows, locked_dues
  FROM (
    SELECT m.ctid AS row_address, m.run_at FROM {{schema}}.messages m
    WHERE m.queue = queue_name AND m.run_at <= now()
      AND (m.ordering_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM {{schema}}.messages earlier
        WHERE earlier.queue = m.queue AND earlier.ordering_key = m.ordering_key AND earlier.seq < m.seq))
    ORDER BY m.priority DESC, m.run_at, (m.seq + 0)
    LIMIT wanted
    FOR UPDATE SKIP LOCKED
  ) claimable;
  IF locked_rows IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
  UPDATE {{schema}}.messages m
  SET attempts = m.attempts + 1,
      locked_until = now() + lease_ms * interval '1 millisecond',
      run_at = now() + lease_ms * interval '1 millisecond',
      record_started_at = CASE WHEN start_records AND m.record_job IS NOT NULL
        THEN (extract(epoch FROM clock_timestamp()) * 1000)::bigint ELSE m.record_started_at END
  FROM unnest(locked_rows, locked_dues) AS locked(row_address, due)
  WHERE m.ctid = locked.row_address
  RETURNING m.seq, m.id, m.body, m.attempts, m.attempts - m.handed_back, m.priority, locked.due, m.record_job;
END
$$;
CREATE OR REPLACE FUNCTION {{schema}}.take_scheduled_messages(queue_name text, wanted integer, lease_ms double precision)
RETURNS TABLE (seq bigint, id text, body text, attempts integer, counted integer, due timestamptz)
LANGUAGE sql VOLATILE
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_sort = off
SET enable_hashjoin = off
SET enable_mergejoin = off
SET jit = off
AS $$
  WITH RECURSIVE priorities(priority) AS (
    (SELECT m.priority FROM {{schema}}.messages m WHERE m.queue = queue_name ORDER BY m.priority DESC LIMIT 1)
    UNION ALL
    SELECT (SELECT m.priority FROM {{schema}}.messages m WHERE m.queue = queue_name AND m.priority < p.priority ORDER BY m.priority DESC LIMIT 1)
    FROM priorities p WHERE p.priority IS NOT NULL
  ), candidates AS (
    SELECT soonest.run_at, soonest.seq FROM priorities p CROSS JOIN LATERAL (
      SELECT m.run_at, m.seq FROM {{schema}}.messages m
      WHERE m.queue = queue_name AND m.priority = p.priority AND m.run_at > now()
        AND (m.locked_until IS NULL OR m.locked_until <= now())
        AND (m.ordering_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM {{schema}}.messages earlier
          WHERE earlier.queue = m.queue AND earlier.ordering_key = m.ordering_key AND earlier.seq < m.seq))
      ORDER BY m.run_at, (m.seq + 0)
      LIMIT wanted
      FOR UPDATE SKIP LOCKED
    ) soonest
  ), takeable AS (
    SELECT seq, run_at FROM candidates ORDER BY run_at, seq LIMIT wanted
  )
  UPDATE {{schema}}.messages m
  SET attempts = m.attempts + 1,
      locked_until = now() + lease_ms * interval '1 millisecond',
      run_at = now() + lease_ms * interval '1 millisecond',
      -- A record in the row stays waiting while its job is taken away (postgres-record-sql.ts): no run started.
      record_started_at = NULL
  FROM takeable WHERE m.seq = takeable.seq
  RETURNING m.seq, m.id, m.body, m.attempts, m.attempts - m.handed_back, takeable.run_at
$$;
