#!/usr/bin/env bash
# A take whose snapshot predates another take's commit: the function skips the rows the other took (their new
# versions fail its recheck) and continues to the next. Needs a schema `explore` migrated by this branch (a backend
# made with schema "explore") and psql; run from the checkout's root. The function is copied from migration 7 as `explore.take_race`, with a
# one-second pause before it reads anything (after its snapshot). Run: race-check.sh $HOPPER_TEST_POSTGRES_URL
set -euo pipefail
U=$1
python3 - <<'PY'
s = open('packages/postgres/src/migrations/000007_take_scheduled_and_next_due_functions.sql').read()
start = s.index('CREATE FUNCTION {{schema}}.take_scheduled_messages(')
body = s[start:s.index('$$;', start) + 3].replace('{{schema}}', 'explore').replace('explore.take_scheduled_messages(', 'explore.take_race(')
anchor = 'WHERE m.queue = queue_name ORDER BY m.priority DESC LIMIT 1)'
assert anchor in body
body = body.replace(anchor, 'WHERE m.queue = queue_name AND (SELECT 1 FROM pg_sleep(1)) = 1 ORDER BY m.priority DESC LIMIT 1)', 1)
open('/tmp/take-race.sql', 'w').write(body)
PY
psql "$U" -q -f /tmp/take-race.sql
psql "$U" -q -c "DELETE FROM explore.messages WHERE queue = 'race'" -c "INSERT INTO explore.messages (id, queue, body, run_at, priority) SELECT 'd' || n, 'race', '{}', now() + interval '1 hour' + n * interval '1 s', (n % 2) * 5 FROM generate_series(1, 10) n"
(psql "$U" -Atc "SELECT string_agg(id, ',' ORDER BY due) FROM explore.take_race('race', 5, 60000)" > /tmp/take-race.out 2>&1 &)
sleep 0.3
other=$(psql "$U" -Atc "WITH t AS (SELECT seq FROM explore.messages WHERE queue = 'race' ORDER BY run_at LIMIT 3 FOR UPDATE SKIP LOCKED) UPDATE explore.messages m SET attempts = attempts + 1, locked_until = now() + interval '1 min', run_at = now() + interval '1 min' FROM t WHERE m.seq = t.seq RETURNING id" | grep -v UPDATE | sort | paste -sd,)
sleep 3
echo "other taker took $other (committed during the function's pause); function took $(cat /tmp/take-race.out)"
psql "$U" -Atc "SELECT id, attempts FROM explore.messages WHERE queue = 'race' ORDER BY seq" | paste -sd' '
psql "$U" -q -c "DROP FUNCTION explore.take_race(text, integer, double precision)"
