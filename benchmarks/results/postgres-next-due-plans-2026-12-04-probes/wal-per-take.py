#!/usr/bin/env python3
# WAL bytes per take of 100 (pg_current_wal_insert_lsn around each), main's statement against migration 7's function,
# on the stale state of statementbench.ts (run that probe first: schema `statementbench` must exist, migrated to 7).
# Nothing else may write to the server meanwhile. Run: wal-per-take.py $HOPPER_TEST_POSTGRES_URL | psql -q $HOPPER_TEST_POSTGRES_URL
import sys
t = "statementbench.messages"
old = f"""WITH takeable AS (SELECT m.seq, m.run_at FROM {t} m WHERE m.queue = 'fresh' AND m.run_at > now() AND (m.locked_until IS NULL OR m.locked_until <= now())
  AND (m.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM {t} earlier WHERE earlier.queue = m.queue AND earlier.ordering_key = m.ordering_key AND earlier.seq < m.seq))
  ORDER BY m.run_at, m.seq LIMIT 100 FOR UPDATE SKIP LOCKED)
  UPDATE {t} m SET attempts = m.attempts + 1, locked_until = now() + interval '60 s', run_at = now() + interval '60 s', record_started_at = NULL
  FROM takeable WHERE m.seq = takeable.seq RETURNING m.seq"""
new = "SELECT seq FROM statementbench.take_scheduled_messages('fresh', 100, 60000)"
print(f"""DELETE FROM {t}; VACUUM {t};
INSERT INTO {t} (id, queue, body) SELECT 'old-' || n, 'old-' || (n % 500), '{{}}' FROM generate_series(1, 20000) AS n;
ANALYZE {t}; DELETE FROM {t}; VACUUM {t};""")
for name, statement in [("main statement", old), ("migration 7 function", new)] * 2:
    print(f"""DELETE FROM {t}; VACUUM {t};
INSERT INTO {t} (id, queue, body, priority, run_at) SELECT 'new-' || n, 'fresh', '{{}}', (n % 4) * 5, CASE WHEN n % 3 = 0 THEN now() + interval '1 hour' + n * interval '1 ms' ELSE now() - interval '1 second' END FROM generate_series(1, 30000) AS n;
CHECKPOINT;
SELECT pg_current_wal_insert_lsn() AS start \\gset""")
    for _ in range(10):
        print(f"WITH taken AS ({statement}) SELECT count(*) FROM taken \\g /dev/null")
    print(f"SELECT '{name}: ' || (pg_wal_lsn_diff(pg_current_wal_insert_lsn(), :'start') / 10)::int || ' WAL bytes per take of 100 (10 takes)';")
