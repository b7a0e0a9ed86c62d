\set QUIET on
-- psql -h 127.0.0.1 -p 38191 -U hopper hopper -v prefill=2000000 -f fillfactor.sql   (server.sh's server)
-- Finished-record inserts (version 7 ids, ascending listing index both), 20,000 in statements of 100, into copies of
-- job_records already holding :prefill rows, fillfactor 100 (table jr_ff100) or 50 (jr_ff50, as the store sets it);
-- fillfactor 100 first in each round.
\ir insert-probe.sql
CALL pg_temp.fill('jr_ff100', true, :prefill, 100, true);
CALL pg_temp.fill('jr_ff50', true, :prefill, 50, true);
VACUUM hopper.jr_ff100; VACUUM hopper.jr_ff50;
CALL pg_temp.rounds('jr_ff100', true, 'fillfactor 100', 'jr_ff50', true, 'fillfactor 50', :prefill);
SELECT pg_size_pretty(pg_relation_size('hopper.jr_ff100')) AS heap_ff100, pg_size_pretty(pg_relation_size('hopper.jr_ff50')) AS heap_ff50;
\ir insert-summary.sql
DROP TABLE hopper.jr_ff100, hopper.jr_ff50;
