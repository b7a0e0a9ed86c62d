\set ON_ERROR_STOP 1
DROP SCHEMA IF EXISTS idxcost CASCADE;
CREATE SCHEMA idxcost;
CREATE TABLE idxcost.col (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, queue text NOT NULL, priority int NOT NULL DEFAULT 0, run_at timestamptz NOT NULL DEFAULT now(), body text NOT NULL) WITH (fillfactor = 50, autovacuum_enabled = false);
CREATE TABLE idxcost.expr (LIKE idxcost.col INCLUDING ALL);
ALTER TABLE idxcost.expr ALTER COLUMN seq DROP IDENTITY IF EXISTS;
CREATE INDEX ON idxcost.col (queue, priority DESC, run_at, seq);
CREATE INDEX ON idxcost.expr (queue, priority DESC, run_at, (seq + 0));
CREATE OR REPLACE FUNCTION idxcost.fill(target text, n int) RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; BEGIN
  t0 := clock_timestamp();
  IF target = 'col' THEN INSERT INTO idxcost.col (queue, body) SELECT 'q', '{"hopper":1,"id":"00000000-0000-0000-0000-000000000000","job":"Noop","args":{}}' FROM generate_series(1, n);
  ELSE INSERT INTO idxcost.expr (seq, queue, body) SELECT g, 'q', '{"hopper":1,"id":"00000000-0000-0000-0000-000000000000","job":"Noop","args":{}}' FROM generate_series(1, n) g; END IF;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END $$;
