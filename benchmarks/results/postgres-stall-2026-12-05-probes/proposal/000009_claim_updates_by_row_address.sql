-- The claim (migration 8) again, now finding each row it locked by its row
-- address instead of joining on seq. Migration 8's UPDATE looked every locked
-- row up again by `seq = claimable.row_seq`, and which index served that was
-- the planner's choice: once a vacuum found the table empty (a drained queue)
-- and could not give its pages back, the table read as holding no row however
-- many it held, and the planner walked the whole claim index (or the whole
-- primary key) once per row claimed. Claims of ~180 rows took 0.3-0.6 s, and a
-- worker at 8,000 jobs/s fell behind for good
-- (benchmarks/results/postgres-stall-2026-12-05.md). Here the rows are locked
-- first, their addresses kept; the UPDATE, a statement of its own, reads each
-- by address (a TID scan, whatever the statistics say). Its own statement also
-- takes a new snapshot, which sees a row a commit changed after the locking
-- statement's snapshot (FOR UPDATE locked it in that newest version, whose
-- address it returned): migration 6's single statement, joining on that
-- address, could not see it, and migration 8 joined on seq for that reason.
-- The rows stay locked by this transaction between the two statements.
-- An empty claim ends after the first statement.
-- Same name, arguments and result as migrations 6 and 8: a worker of an earlier
-- release calls this function too, and gets the fix with the migration.
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
  SELECT array_agg(claimable.row_address), array_agg(claimable.run_at) INTO locked_rows, locked_dues
  FROM (
    SELECT m.ctid AS row_address, m.run_at FROM {{schema}}.messages m
    WHERE m.queue = queue_name AND m.run_at <= now()
      AND (m.ordering_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM {{schema}}.messages earlier
        WHERE earlier.queue = m.queue AND earlier.ordering_key = m.ordering_key AND earlier.seq < m.seq))
    ORDER BY m.priority DESC, m.run_at, m.seq
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
