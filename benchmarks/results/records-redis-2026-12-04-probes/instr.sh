#!/usr/bin/env bash
# Server instructions per message (callgrind), records off then on, each on a flushed private server:
#   valgrind --tool=callgrind --callgrind-out-file=/tmp/rr5/cg/callgrind.out.%p redis-server --port 43699 --bind 127.0.0.1 --save "" --appendonly no
#   instr.sh <label>   (the worktree's scripts as checked out; git checkout cb71fb4 -- packages/redis/src/scripts for main's)
#   PORT and CG name another server's port and dump folder (defaults 43699, /tmp/rr5/cg); WT the worktree.
source /work/env.sh
cd "${WT:-/work/wt/redisrec5}/apps/bench"
port=${PORT:-43699}; cg=${CG:-/tmp/rr5/cg}
pid=$(pgrep -f "redis-server.*$port" | head -1)
for rec in off on; do
  redis-cli -p "$port" flushall >/dev/null; echo "== $1 records=$rec"
  PROBE_RECORDS=$rec node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/redis-script-instructions.ts redis://127.0.0.1:$port $pid $cg 1,100,1000 10,100 4000
done
