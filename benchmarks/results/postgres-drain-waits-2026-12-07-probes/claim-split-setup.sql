\set QUIET on
delete from hopper.messages where queue='cx';
insert into hopper.messages (id, queue, body) select gen_random_uuid()::text, 'cx', '{"v":1,"id":"' || gen_random_uuid() || '","job":"noop","args":[{"n":' || g || '}],"queue":"cx","enqueuedAt":"2026-12-07T21:00:00.000Z","attempt":1}' from generate_series(1,40000) g;
analyze hopper.messages;
select count(*) from hopper.claim_messages('cx', 500, 30000, false);
