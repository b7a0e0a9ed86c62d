#!/usr/bin/env bash
# Alternates base (BASE, main before the change) and the change (/work/main), records off and on,
# on the callgrind redis-server at port ${PORT:-43711} writing its dumps to ${DIR:-/tmp/cg1}: ab.sh <its pid> <rounds> [enqueue sizes, default 1,100] [receive sizes, default 10,100]
# (the single-enqueue set was `ab.sh <pid> 3 1 10`). BASE=<checkout> compares another base with /work/main.
source /work/env.sh
for round in $(seq 1 "$2"); do
  for side in base change; do
    dir=${BASE:-/work/wt/base50}; [ $side = change ] && dir=/work/main
    for rec in off on; do
      redis-cli -p ${PORT:-43711} flushall >/dev/null
      echo "== round $round $side records=$rec $(git -C $dir rev-parse --short HEAD)"
      (cd $dir/apps/bench && PROBE_RECORDS=$rec node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/redis-script-instructions.ts redis://127.0.0.1:${PORT:-43711} "$1" ${DIR:-/tmp/cg1} "${3:-1,100}" "${4:-10,100}" 2000)
    done
  done
done
