CREATE OR REPLACE FUNCTION hopper.claim_messages(queue_name text, wanted integer, lease_ms double precision, start_records boolean)
 RETURNS TABLE(seq bigint, id text, body text, attempts integer, counted integer, priority integer, due timestamp with time zone, record_job text)
 LANGUAGE sql
 SET enable_seqscan TO 'off'
 SET enable_bitmapscan TO 'off'
 SET enable_sort TO 'off'
 SET jit TO 'off'
AS $function$
  WITH claimable AS (
    SELECT m.ctid AS row_id, m.run_at FROM "hopper".messages m
    WHERE m.queue = queue_name AND m.run_at <= now() AND (m.locked_until IS NULL OR m.locked_until <= now())
      AND (m.ordering_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM "hopper".messages earlier
        WHERE earlier.queue = m.queue AND earlier.ordering_key = m.ordering_key AND earlier.seq < m.seq))
    ORDER BY m.priority DESC, m.run_at, m.seq
    LIMIT wanted
    FOR UPDATE SKIP LOCKED
  )
  UPDATE "hopper".messages m
  SET attempts = m.attempts + 1,
      locked_until = now() + lease_ms * interval '1 millisecond',
      record_started_at = CASE WHEN start_records AND m.record_job IS NOT NULL
        THEN (extract(epoch FROM clock_timestamp()) * 1000)::bigint ELSE m.record_started_at END
  FROM claimable WHERE m.ctid = claimable.row_id
  RETURNING m.seq, m.id, m.body, m.attempts, m.attempts - m.handed_back, m.priority, claimable.run_at, m.record_job
$function$

