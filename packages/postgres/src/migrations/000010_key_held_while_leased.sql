-- A key's job could run beside another of the same key. A row takes its seq at
-- its insert, not at its commit, and the claim held a keyed row back only
-- behind a lower seq of its key: a caller's transaction that enqueued key K
-- (seq 10) and committed after another that enqueued K later (seq 11) let the
-- claim hand out 11 alone, then 10 beside it once 10 could be seen
-- (postgres-ordering-commit-order.test.ts). A keyed row is now held back also
-- while any other row of its key holds a lease: a key runs one job at a time
-- whatever order its rows became visible in, and jobs enqueued by transactions
-- go in the order the transactions committed. (Locking each key at enqueue
-- would have kept seq order, at the price of every enqueue of a key waiting on
-- any open transaction holding it, and a lock per key in PostgreSQL's shared
-- lock table.) Same names, arguments and results as migration 9: a worker of
-- the previous release calls these functions too, and gets the fix with the
-- migration.
-- migrate() splits a file into statements at each semicolon outside a $$ body.
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
        SELECT 1 FROM {{schema}}.messages other
        WHERE other.queue = m.queue AND other.ordering_key = m.ordering_key AND other.seq <> m.seq
          AND (other.seq < m.seq OR other.locked_until > now())))
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
          SELECT 1 FROM {{schema}}.messages other
          WHERE other.queue = m.queue AND other.ordering_key = m.ordering_key AND other.seq <> m.seq
            AND (other.seq < m.seq OR other.locked_until > now())))
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
