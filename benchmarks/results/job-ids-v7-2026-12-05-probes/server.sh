#!/bin/bash
# The probe server: PostgreSQL 15 with durability on and full-page writes on (PostgreSQL's defaults, as production
# runs; `pnpm services` turns all three off), 128 MB of shared buffers, checkpoints only when asked (ab.sh asks
# before each run). Then Hopper's tables (one small records-on drain makes them), and the earlier work each probe
# meets: 2,000,000 finished records with version 4 ids (history.sql) and 1,000,000 waiting jobs (backlog.sql).
#   benchmarks/results/job-ids-v7-2026-12-05-probes/server.sh     (as root; port 38191)
set -e
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p /work/exp/pgfpw && chown postgres /work/exp/pgfpw
su postgres -c "/usr/lib/postgresql/15/bin/initdb -D /work/exp/pgfpw/data -U hopper --auth=trust --locale=C >/dev/null"
su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D /work/exp/pgfpw/data -l /work/exp/pgfpw/log -o '-p 38191 -h 127.0.0.1 -k /tmp -c shared_buffers=128MB -c max_wal_size=4GB -c checkpoint_timeout=30min' start"
psql -h 127.0.0.1 -p 38191 -U hopper postgres -c "CREATE DATABASE hopper"
URL=postgres://hopper@127.0.0.1:38191/hopper
source /work/env.sh
(cd /work/main/apps/bench && HOPPER_BENCH_RECORDS=on node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/postgres-drain-profile.ts hopper "$URL" 2000 10 1)
psql "$URL" -f "$here/history.sql"
psql "$URL" -f "$here/backlog.sql"
