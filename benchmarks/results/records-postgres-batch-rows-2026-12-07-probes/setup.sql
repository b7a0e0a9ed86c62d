DROP SCHEMA IF EXISTS exp_rec CASCADE;
CREATE SCHEMA exp_rec;
-- job_records as the record store makes it (postgres-record-store.ts), all indexes
CREATE TABLE exp_rec.job_records (id text PRIMARY KEY, job text NOT NULL, queue text NOT NULL, state text NOT NULL, attempt integer NOT NULL DEFAULT 0,
  progress text, result text, error text, enqueued_at bigint NOT NULL, started_at bigint, finished_at bigint, run_at bigint,
  cancel_requested boolean NOT NULL DEFAULT false, expires_at timestamptz NOT NULL, batch_id text, parent_id text, args text,
  listed_state text GENERATED ALWAYS AS (CASE WHEN state IN ('succeeded', 'failed', 'dead', 'cancelled') THEN state END) STORED) WITH (fillfactor = 50);
CREATE INDEX ON exp_rec.job_records (expires_at) WHERE expires_at < 'infinity';
CREATE INDEX ON exp_rec.job_records (listed_state, finished_at, id COLLATE "C") WHERE listed_state IS NOT NULL;
-- the alternative: succeeded records of one ack together, one row per ack, found by id through a GIN index on the ids
CREATE TABLE exp_rec.finished_batches (seq bigserial PRIMARY KEY, finished_at bigint NOT NULL, expires_at timestamptz NOT NULL, ids text[] NOT NULL, records jsonb NOT NULL);
CREATE INDEX ON exp_rec.finished_batches USING gin (ids) WITH (gin_pending_list_limit = 256);
CREATE INDEX ON exp_rec.finished_batches (expires_at);
CREATE SEQUENCE exp_rec.n;
