#!/bin/bash
# usage: custom-plan-by-token-count.sh SCHEMA   (after trap-reltuples-zero.sql → planprobe, or trap-vacuumed-small.sql → p4)
# EXPLAIN ANALYZE (rolled back) of the ack's text with literal arrays (a custom plan, as an unnamed statement gets) for k tokens.
U="$HOPPER_TEST_POSTGRES_URL"; S=$1
for k in 2 10 21 50 100 300; do echo "k=$k"; psql $U -qAt <<SQL | grep -oE "(Seq Scan|Index Scan|Bitmap Index Scan) (using|on) [a-z_]+|Execution Time.*" | sort | uniq -c
SELECT (array_agg(seq))[1:$k] AS s, (array_agg(attempts))[1:$k] AS a FROM $S.messages WHERE queue = 'current' \gset
BEGIN;
EXPLAIN ANALYZE WITH deleted AS (DELETE FROM $S.messages m USING unnest(:'s'::bigint[], :'a'::integer[]) AS token(seq, attempts) WHERE m.seq = ANY(:'s'::bigint[]) AND m.seq = token.seq AND m.attempts = token.attempts RETURNING m.seq, m.queue, m.ordering_key) SELECT count(pg_notify('x', queue)) FROM (SELECT DISTINCT queue FROM deleted WHERE ordering_key IS NOT NULL) AS unblocked;
ROLLBACK;
SQL
done
