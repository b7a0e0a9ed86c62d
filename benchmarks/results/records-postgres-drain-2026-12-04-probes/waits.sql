-- Samples active client backends' wait events every ~2 ms for ~6 s (a server of its own; pg_stat_clear_snapshot per sample).
CREATE TEMP TABLE waits (kind text, event text, statement text);
DO $$ BEGIN FOR i IN 1..3000 LOOP
  PERFORM pg_stat_clear_snapshot();
  INSERT INTO waits SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '-'), left(query, 16) FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid();
  PERFORM pg_sleep(0.002);
END LOOP; END $$;
SELECT statement, kind, event, count(*) FROM waits GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 15;
