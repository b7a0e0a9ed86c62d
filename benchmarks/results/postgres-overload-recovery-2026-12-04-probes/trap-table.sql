-- The planprobe.messages table the two plan scripts run on (psql, as the services' hopper user):
--   psql "$HOPPER_TEST_POSTGRES_URL" -f trap-table.sql
-- A copy of hopper.messages' shape and indexes (create the hopper schema first, e.g. with one bench run), filled,
-- "claimed" (non-HOT update of run_at), emptied and vacuumed without truncation: reltuples 0 with its pages kept,
-- what autovacuum leaves when it visits a drained queue table between two rate steps.
DROP SCHEMA IF EXISTS planprobe CASCADE;
CREATE SCHEMA planprobe;
CREATE TABLE planprobe.messages (LIKE hopper.messages INCLUDING ALL);
ALTER TABLE planprobe.messages SET (vacuum_truncate = off, autovacuum_enabled = off);
INSERT INTO planprobe.messages (id, queue, body, run_at) SELECT 'f-' || n, 'filler-' || (n % 3), repeat('x', 200), now() FROM generate_series(1, 50000) AS n;
UPDATE planprobe.messages SET attempts = 1, run_at = now() + interval '1 minute';
DELETE FROM planprobe.messages;
VACUUM planprobe.messages;
SELECT reltuples, relpages FROM pg_class WHERE oid = 'planprobe.messages'::regclass;
