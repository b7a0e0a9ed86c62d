-- psql "$HOPPER_TEST_POSTGRES_URL" -f trap-reltuples-zero.sql: planprobe.messages (the messages table of migrations 1-4, indexes by their migration names), 50,000 rows filled, claimed, deleted, VACUUMed without truncation (reltuples 0, relpages 3,847), then 20,000 leftover rows and 300 to ack.
DROP SCHEMA IF EXISTS planprobe CASCADE;
CREATE SCHEMA planprobe;
CREATE TABLE planprobe.messages (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL, queue text NOT NULL, body text NOT NULL, priority integer NOT NULL DEFAULT 0, run_at timestamptz NOT NULL DEFAULT now(), locked_until timestamptz, attempts integer NOT NULL DEFAULT 0, ordering_key text, dedupe_key text, enqueued_at timestamptz NOT NULL DEFAULT now(), handed_back integer NOT NULL DEFAULT 0) WITH (fillfactor=50);
CREATE INDEX messages_ordering_idx ON planprobe.messages (queue, ordering_key, seq) WHERE ordering_key IS NOT NULL;
CREATE UNIQUE INDEX messages_dedupe_idx ON planprobe.messages (queue, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX messages_due_idx ON planprobe.messages (queue, priority DESC, run_at, seq);
ALTER TABLE planprobe.messages SET (vacuum_truncate = off, autovacuum_enabled = off);
INSERT INTO planprobe.messages (id, queue, body, run_at) SELECT 'f-' || n, 'filler-' || (n % 3), repeat('x', 200), now() FROM generate_series(1, 50000) AS n;
UPDATE planprobe.messages SET attempts = 1, run_at = now() + interval '1 minute';
DELETE FROM planprobe.messages;
VACUUM planprobe.messages;
INSERT INTO planprobe.messages (id, queue, body, run_at) SELECT 'left-' || n, 'leftover', repeat('x', 100), now() FROM generate_series(1, 20000) AS n;
INSERT INTO planprobe.messages (id, queue, body, run_at, attempts) SELECT 'ack-' || n, 'current', repeat('x', 100), now(), 1 FROM generate_series(1, 300) AS n;
SELECT relname, reltuples, relpages FROM pg_class WHERE relnamespace = 'planprobe'::regnamespace;
