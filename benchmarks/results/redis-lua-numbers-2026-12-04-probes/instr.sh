#!/usr/bin/env bash
# Server instructions per message (callgrind), records off then on, each on a flushed private server:
#   valgrind --tool=callgrind --callgrind-out-file=/tmp/lt/cg/callgrind.out.%p redis-server --port 43711 --bind 127.0.0.1 --save "" --appendonly no
#   instr.sh <label>   (the worktree's scripts as checked out; git checkout main -- packages/redis/src/scripts for main's)
source /work/env.sh
cd "${WT:-/work/wt/luatext}/apps/bench"
pid=$(pgrep -f "redis-server.*43711" | head -1)
for rec in off on; do
  redis-cli -p 43711 flushall >/dev/null; echo "== $1 records=$rec"
  PROBE_RECORDS=$rec node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/redis-script-instructions.ts redis://127.0.0.1:43711 $pid /tmp/lt/cg 1,100,1000 10,100 4000
done
