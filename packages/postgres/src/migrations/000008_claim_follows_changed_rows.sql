-- The claim (migration 6) again, now leasing a ready row that a commit changed
-- after the claim's snapshot (the record store's remove() clearing record_job,
-- a release racing it): FOR UPDATE locks such a row in its new version, out of
-- the snapshot's sight, and migration 6's update, joined on the row version the
-- lock returned (ctid), found nothing for it. That claim neither leased nor
-- returned the row, and a receive it left empty waited for a NOTIFY or its
-- poll, since the next-due lookup looks only at rows due later. Here the update
-- finds each locked row by seq, which follows it to the version the claim
-- holds, as take-scheduled's does (migration 7; hash and merge joins off for
-- the same reason: a primary-key probe per row claimed).
-- That probe costs a SQL function 4-6 % more server CPU per claim of 100;
-- PL/pgSQL pays for it: it keeps the body's plan for the session, where a SQL
-- function plans its body at every call, so this claim costs what migration
-- 6's did (0.97-1.02x per claim of 100, 0.8x per empty claim:
-- benchmarks/results/postgres-claim-skip-2026-12-05.md). The planner settings
-- still decide that plan, custom or the generic one PL/pgSQL may keep after
-- five calls of a session: reading the claim index in order stays the only
-- cheap one.
-- Same name, arguments and result as migration 6's: a worker of the previous
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
BEGIN
  RETURN QUERY
  WITH claimable AS (
    SELECT m.seq AS row_seq, m.run_at FROM {{schema}}.messages m
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
  FROM claimable WHERE m.seq = claimable.row_seq
  RETURNING m.seq, m.id, m.body, m.attempts, m.attempts - m.handed_back, m.priority, claimable.run_at, m.record_job;
END
$$;
