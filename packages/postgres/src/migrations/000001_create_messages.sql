-- One row per message until it is acked. `{{schema}}` is replaced by the
-- validated, quoted schema name before this file runs. Never edit a released
-- migration: add the next numbered file instead.

CREATE TABLE {{schema}}.messages (
  -- Enqueue order (FIFO within a priority); also the row's identity, since job
  -- ids may repeat (a retried job is re-sent under the same id).
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL,
  queue text NOT NULL,
  body text NOT NULL,
  priority integer NOT NULL DEFAULT 0,
  -- Not claimable before this. A claim moves it to the lease's end, so one
  -- column (and one index) covers delays and expired leases alike.
  run_at timestamptz NOT NULL DEFAULT now(),
  -- End of the current lease; NULL when nobody holds the message.
  locked_until timestamptz,
  -- Deliveries so far; also the lease token that makes stale acks no-ops.
  attempts integer NOT NULL DEFAULT 0,
  ordering_key text,
  dedupe_key text,
  enqueued_at timestamptz NOT NULL DEFAULT now()
);

-- Claim order: highest priority first, then FIFO.
CREATE INDEX messages_claim_idx ON {{schema}}.messages (queue, priority DESC, seq);
-- Next due time (delays, lease expiries) and stats.
CREATE INDEX messages_run_at_idx ON {{schema}}.messages (queue, run_at);
-- Only the oldest message of an ordering key is claimable.
CREATE INDEX messages_ordering_idx ON {{schema}}.messages (queue, ordering_key, seq) WHERE ordering_key IS NOT NULL;
-- A dedupe key is taken while its message exists (queued or in flight).
CREATE UNIQUE INDEX messages_dedupe_idx ON {{schema}}.messages (queue, dedupe_key) WHERE dedupe_key IS NOT NULL;
