\set QUIET on
-- psql -h 127.0.0.1 -p 38191 -U hopper hopper -v prefill=2000000 -f listed-direction.sql   (server.sh's server)
-- Finished-record inserts (version 7 ids both), 20,000 in statements of 100, into copies of job_records already holding
-- :prefill rows inserted in finished order (as acks add them; the index built as it grows), the listing index
-- ascending (table jr_asc) or descending (jr_desc, as before), fillfactor 50 both; ascending first in each round.
\ir insert-probe.sql
CALL pg_temp.fill('jr_asc', true, :prefill, 50, true);
CALL pg_temp.fill('jr_desc', true, :prefill, 50, false);
VACUUM hopper.jr_asc; VACUUM hopper.jr_desc;
CALL pg_temp.rounds('jr_asc', true, 'listed ASC', 'jr_desc', true, 'listed DESC', :prefill);
SELECT indexrelid::regclass AS index, pg_size_pretty(pg_relation_size(indexrelid)) AS size FROM pg_index WHERE indrelid IN ('hopper.jr_asc'::regclass, 'hopper.jr_desc'::regclass) ORDER BY 1;
\ir insert-summary.sql
DROP TABLE hopper.jr_asc, hopper.jr_desc;
