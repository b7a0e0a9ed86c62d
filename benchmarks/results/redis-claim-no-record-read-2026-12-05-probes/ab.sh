#!/usr/bin/env bash
# Base (/work/wt/base51, main at 8b3139b: the claim reads the record's state) against the change (/work/main), records
# off and on, alternated, on a callgrind redis-server at port 43711 (started as in apps/bench/src/probe/redis-script-instructions.ts):
#   ab.sh <its pid> <rounds>     (enqueue calls of 100; receives of 10 and of 100)
BASE=/work/wt/base51 exec "$(dirname "$0")/../redis-script-preludes-2026-12-05-probes/ab.sh" "$1" "$2" 100 10,100
