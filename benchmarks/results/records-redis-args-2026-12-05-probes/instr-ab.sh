#!/usr/bin/env bash
# Server instructions per message (callgrind), before (main's record arguments) and after (this branch's), <rounds> times,
# on a private redis-server under callgrind:
#   valgrind --tool=callgrind --callgrind-out-file=/tmp/rra/cg/callgrind.out.%p redis-server --port 43711 --bind 127.0.0.1 --save '' --appendonly no
#   PORT=43711 CG=/tmp/rra/cg instr-ab.sh <rounds> >> callgrind-runs.txt
# Each label runs records-redis-2026-12-04-probes/instr.sh (records off then on, server flushed before each).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
trap '"$here/swap.sh" after' EXIT
for round in $(seq 1 "$1"); do
  for code in before after; do
    "$here/swap.sh" "$code"
    echo "## round $round $code $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    WT="$root" PORT=${PORT:-43711} CG=${CG:-/tmp/rra/cg} "$root/benchmarks/results/records-redis-2026-12-04-probes/instr.sh" "$code"
  done
done
