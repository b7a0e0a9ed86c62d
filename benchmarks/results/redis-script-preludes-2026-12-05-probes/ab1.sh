#!/usr/bin/env bash
# Enqueue calls of 1 only: base (/work/wt/base50, main at 1734f91) against the change (/work/main), records off and on,
# alternated, on the callgrind redis-server at port 43711 (pid $1). Rounds: $2.
source /work/env.sh
for round in $(seq 1 "$2"); do
  for side in base change; do
    dir=/work/wt/base50; [ $side = change ] && dir=/work/main
    for rec in off on; do
      redis-cli -p 43711 flushall >/dev/null
      echo "== round $round $side records=$rec"
      (cd $dir/apps/bench && PROBE_RECORDS=$rec node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/redis-script-instructions.ts redis://127.0.0.1:43711 "$1" /tmp/cg1 1 10 2000)
    done
  done
done
