-- psql -f trap-vacuumed-small.sql (after trap-reltuples-zero.sql, for its table shape): p4.messages vacuumed when it held 5 rows (reltuples 5, relpages 1), then 20,300 rows; then custom-plan-by-token-count.sh p4.
DROP SCHEMA IF EXISTS p4 CASCADE; CREATE SCHEMA p4;
CREATE TABLE p4.messages (LIKE planprobe.messages INCLUDING ALL);
ALTER TABLE p4.messages SET (autovacuum_enabled = off);
INSERT INTO p4.messages (id, queue, body) SELECT 's-' || n, 'small', 'x' FROM generate_series(1, 5) AS n;
VACUUM p4.messages;
INSERT INTO p4.messages (id, queue, body, run_at) SELECT 'left-' || n, 'leftover', repeat('x', 100), now() FROM generate_series(1, 20000) AS n;
INSERT INTO p4.messages (id, queue, body, run_at, attempts) SELECT 'ack-' || n, 'current', repeat('x', 100), now(), 1 FROM generate_series(1, 300) AS n;
SELECT relname, reltuples, relpages FROM pg_class WHERE relnamespace = 'p4'::regnamespace;
