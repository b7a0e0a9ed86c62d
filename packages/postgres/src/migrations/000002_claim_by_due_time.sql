-- One index for claims and due times instead of two: every insert and every
-- claim updates one index fewer, and claims skip delayed and leased rows inside
-- the index instead of fetching each from the table.
--
-- Claim order becomes: highest priority first, then the moment a message
-- became claimable (`run_at`: enqueue, end of a delay or of a lost lease),
-- then enqueue order. Ready rows lead each priority's range; rows that are
-- not due yet follow them.
CREATE INDEX messages_due_idx ON {{schema}}.messages (queue, priority DESC, run_at, seq);
DROP INDEX {{schema}}.messages_claim_idx;
DROP INDEX {{schema}}.messages_run_at_idx;
