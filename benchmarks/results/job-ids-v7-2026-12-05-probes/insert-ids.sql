\set QUIET on
-- psql -h 127.0.0.1 -p 38191 -U hopper hopper -v prefill=2000000 -f insert-ids.sql   (server.sh's server: full-page writes on)
-- Finished-record inserts alone, 20,000 in statements of 100, into a copy of job_records already holding :prefill rows,
-- ids random (version 4) or time-first (version 7); fillfactor 50 and the listing index descending, as job_records was.
\ir insert-probe.sql
CALL pg_temp.fill('jr_v4', false, :prefill, 50, false);
CALL pg_temp.fill('jr_v7', true, :prefill, 50, false);
VACUUM hopper.jr_v4; VACUUM hopper.jr_v7;
CALL pg_temp.rounds('jr_v4', false, 'v4 (random) ids', 'jr_v7', true, 'v7 (time-ordered) ids', :prefill);
SELECT pg_size_pretty(pg_relation_size('hopper.jr_v4_pkey')) AS v4_pkey, pg_size_pretty(pg_relation_size('hopper.jr_v7_pkey')) AS v7_pkey;
\ir insert-summary.sql
DROP TABLE hopper.jr_v4, hopper.jr_v7;
