-- Hand-backs of jobs that never started (a worker's buffer at stop or pause)
-- are not attempts: a claim reports `attempts - handed_back`. `attempts`
-- still grows with every claim and stays the lease token, so a late ack of a
-- handed-back delivery finds its token stale.
ALTER TABLE {{schema}}.messages ADD COLUMN handed_back integer NOT NULL DEFAULT 0;
