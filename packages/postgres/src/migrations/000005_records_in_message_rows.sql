-- The record of an unfinished job, written by the enqueue into its message
-- row instead of a job_records row of its own (#20): an enqueue with records
-- then inserts one row, not two, and the claim starts the record in the row
-- it already updates. job_records keeps finished records, and any record a
-- later write (cancel, progress, hold, retry) moved there; a live job_records
-- row wins over a message row's record (postgres-record-sql.ts).
-- `record_job` is set only on rows enqueued with records by this release on:
-- the index below holds those rows only, so records off costs no entry.
-- Nullable columns without a default: no table rewrite.
ALTER TABLE {{schema}}.messages
  ADD COLUMN record_job text,
  ADD COLUMN record_enqueued_at bigint,
  ADD COLUMN record_run_at bigint,
  ADD COLUMN record_started_at bigint,
  ADD COLUMN record_batch_id text,
  ADD COLUMN record_parent_id text,
  ADD COLUMN record_args text;
-- `get`, `cancel` and `progress` find a job's message row by its id.
CREATE INDEX messages_record_idx ON {{schema}}.messages (id) WHERE record_job IS NOT NULL;
