-- The rows a claim takes: ready messages of one queue in the claim index's
-- order (priority, longest due, enqueue order), an ordering key's message only
-- when it is the oldest left of its key, locked with SKIP LOCKED. A function
-- so that its planner settings travel with it: with statistics that predate a
-- burst into a queue (the last ANALYZE saw other queues, a vacuum found the
-- table empty), the planner estimated a few dozen rows for 20,000 and chose a
-- bitmap scan and a sort of the whole queue for every claim of 100
-- (benchmarks/results/postgres-stale-stats-2026-12-04.md). Here the index's
-- order is the only plan it can cost low. Changing the session's settings
-- instead would reach a pool the application lends Hopper, and PgBouncer in
-- transaction mode would pass them on to other clients.
-- Additive: a worker of the previous release keeps its own statement.
-- The body holds no semicolon: migrate() splits a file into statements at each.
CREATE FUNCTION {{schema}}.claimable(queue_name text, wanted integer)
RETURNS TABLE (row_id tid, due timestamptz)
LANGUAGE sql VOLATILE
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_sort = off
AS $$
  SELECT m.ctid, m.run_at FROM {{schema}}.messages m
  WHERE m.queue = queue_name AND m.run_at <= now()
    AND (m.ordering_key IS NULL OR NOT EXISTS (
      SELECT 1 FROM {{schema}}.messages earlier
      WHERE earlier.queue = m.queue AND earlier.ordering_key = m.ordering_key AND earlier.seq < m.seq))
  ORDER BY m.priority DESC, m.run_at, m.seq
  LIMIT wanted
  FOR UPDATE SKIP LOCKED
$$;
