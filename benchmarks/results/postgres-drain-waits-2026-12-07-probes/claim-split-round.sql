\timing on
\echo after-claim
select count(*) from hopper.claim_messages('cx', 500, 30000, false);
\echo killed-first
set enable_seqscan=off; set enable_bitmapscan=off;
select count(*) from (select seq from hopper.messages m where m.queue='cx' and m.run_at <= now() order by m.priority desc, m.run_at, (m.seq+0) limit 1) x;
\timing on
select count(*) from hopper.claim_messages('cx', 500, 30000, false);
