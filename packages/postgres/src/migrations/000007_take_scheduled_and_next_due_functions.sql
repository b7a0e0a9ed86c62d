-- Take-scheduled as one function: lease up to `wanted` delayed messages of one
-- queue (due later, not leased), soonest due first, an ordering key's message
-- only when it is the oldest left of its key, locked with SKIP LOCKED.
-- Their order (run_at across priorities) is not messages_due_idx's (priority
-- first), so the statement before this read and sorted every delayed row of
-- the queue per call, whatever the statistics (10,000 rows for a take of 100),
-- and on a table bloated by a large delete without VACUUM a sequential scan
-- (benchmarks/results/postgres-next-due-plans-2026-12-04.md). Here the
-- priorities are found as next-due finds them (a loose index scan), each
-- priority's soonest `wanted` rows are read in the index's order and locked
-- (SKIP LOCKED, so a row another take holds is passed over as before), and
-- only those, at most `wanted` per priority, are sorted into one order; the
-- first `wanted` are leased. The others stay locked until the statement's
-- transaction ends: more row locks than before with several priorities, for
-- the same answer as the previous statement's. The planner settings, as
-- claim_messages' (migration 6), leave that as the only cheap plan on stale
-- statistics. The choice and the update are one statement, so they share one
-- snapshot; the update finds its rows by seq, not by the row version the lock
-- returned: a row changed and committed after the snapshot (a record removed,
-- still takeable) is locked in its new version, which a join on ctid would
-- not see, leaving it neither leased nor returned and the take short. Hash
-- and merge joins are off too, so that join is a primary-key probe per row
-- taken, not a walk of the whole table's key.
-- Additive: a worker of the previous release keeps its own statement.
-- migrate() splits a file into statements at each semicolon outside a $$ body.
CREATE FUNCTION {{schema}}.take_scheduled_messages(queue_name text, wanted integer, lease_ms double precision)
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
      ORDER BY m.run_at, m.seq
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
-- The next-due lookup as a function, for the same reason: after a VACUUM
-- that found `messages` nearly empty (a few live rows, its pages kept) with
-- a due index bloated by earlier updates, the planner took the loose index
-- scan for dearer than sequential scans of the table and chose them for
-- every step (160-382 ms per lookup on the bench's server:
-- benchmarks/results/latency-2026-12-04f/README.md, reproduced in
-- benchmarks/results/postgres-next-due-plans-2026-12-04.md). The body is
-- next-due.ts's statement, whose plan is index probes only: one per distinct
-- priority to find them, one per priority for its next due time; each
-- priority is found as `ORDER BY priority DESC LIMIT 1`, not max(): with the
-- queue estimated at one row, max() was planned as an aggregate over all of
-- the queue's index entries (30,000 read for one answer), where with sorts
-- off the only plan for the LIMIT is the index's order, stopped at one row.
-- PL/pgSQL, not SQL: it keeps the body's plan for the session, where a SQL
-- function plans its body at every call (0.55 against 0.23 ms per lookup;
-- the statement sent by itself, prepared: 0.22 ms).
CREATE FUNCTION {{schema}}.next_due_in_ms(queue_name text)
RETURNS double precision
LANGUAGE plpgsql STABLE
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_sort = off
SET jit = off
AS $$
BEGIN
  RETURN (
    WITH RECURSIVE priorities(priority) AS (
      (SELECT m.priority FROM {{schema}}.messages m WHERE m.queue = queue_name ORDER BY m.priority DESC LIMIT 1)
      UNION ALL
      SELECT (SELECT m.priority FROM {{schema}}.messages m WHERE m.queue = queue_name AND m.priority < p.priority ORDER BY m.priority DESC LIMIT 1)
      FROM priorities p WHERE p.priority IS NOT NULL
    )
    SELECT ceil(extract(epoch FROM min(due.run_at) - now()) * 1000)::float8
    FROM priorities p CROSS JOIN LATERAL (
      SELECT m.run_at FROM {{schema}}.messages m
      WHERE m.queue = queue_name AND m.priority = p.priority AND m.run_at > now()
      ORDER BY m.run_at LIMIT 1
    ) due
  );
END
$$;
