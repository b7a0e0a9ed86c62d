-- The claim (migration 6) again, in two ways.
--
-- It finds each locked row by seq. FOR UPDATE locks a ready row that a commit
-- changed after the claim's snapshot (the record store's remove() clearing
-- record_job, a release racing it) in its new version, out of the snapshot's
-- sight; migration 6's update, joined on the row version the lock returned
-- (ctid), found nothing for it, so that claim neither leased nor returned the
-- row, and a receive it left empty waited for a NOTIFY or its poll (the
-- next-due lookup looks only at rows due later). seq follows the row to the
-- version the claim holds, as take-scheduled's does (migration 7; hash and
-- merge joins off for the same reason: a primary-key probe per row claimed).
-- That probe costs a SQL function 4-6 % more server CPU per claim of 100;
-- PL/pgSQL pays for it, as it keeps the body's plan for the session (0.97-1.02x
-- migration 6's per claim of 100, 0.8x per empty claim:
-- benchmarks/results/postgres-claim-skip-2026-12-05.md). The planner settings
-- still decide that plan, custom or the generic one PL/pgSQL may keep after
-- five calls of a session: reading the claim index in order stays the only
-- cheap one.
--
-- It can leave the row's due time as it is: `keep_due`, a fifth argument.
-- Moving `run_at` to the lease's end made every claimed row a non-HOT update:
-- a new row version with an entry in the primary key and the due index.
-- Leaving it (the lease is `locked_until`, which no index holds) lets the
-- update stay on its page with no index entry (fillfactor 50, migration 4):
-- about a fifth less server CPU and half the WAL per drained job
-- (benchmarks/results/postgres-claim-keeps-due-2026-12-05.md). Its cost: a
-- row so leased stays at the front of the due index, and every claim of the
-- queue steps over it until it is acked, released, or its lease is renewed
-- (a renewal moves `run_at`); the worker asks for it only while few leased
-- rows sit there (`claim_front_leases`, operations/claim-front.ts). Every
-- claimer now skips a row whose lease has not ended, whatever its `run_at`
-- says.
--
-- The four-argument function keeps its name, arguments and result, and gets
-- the same body with `run_at` moved: a worker of the previous release calls it
-- by name and gets both changes with the migration. A body of its own rather
-- than a call of the five-argument one: a runtime role granted EXECUTE
-- function by function (default privileges revoking PUBLIC's) keeps the
-- claims it had. A claim statement of a release before migration 6 reads
-- only `run_at`: see packages/postgres/README.md (Claims of many that keep
-- the due time, "Deploy it with its migration").
-- migrate() splits a file into statements at each semicolon outside a $$ body.
CREATE FUNCTION {{schema}}.claim_messages(queue_name text, wanted integer, lease_ms double precision, start_records boolean, keep_due boolean)
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
  FROM claimable WHERE m.seq = claimable.row_seq
  RETURNING m.seq, m.id, m.body, m.attempts, m.attempts - m.handed_back, m.priority, claimable.run_at, m.record_job;
END
$$;

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
      run_at = now() + lease_ms * interval '1 millisecond',
      record_started_at = CASE WHEN start_records AND m.record_job IS NOT NULL
        THEN (extract(epoch FROM clock_timestamp()) * 1000)::bigint ELSE m.record_started_at END
  FROM claimable WHERE m.seq = claimable.row_seq
  RETURNING m.seq, m.id, m.body, m.attempts, m.attempts - m.handed_back, m.priority, claimable.run_at, m.record_job;
END
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
