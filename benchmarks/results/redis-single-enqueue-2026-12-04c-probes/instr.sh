#!/usr/bin/env bash
# Server instructions per message (callgrind) of single and small-batch enqueues, records off, on a private
# redis-server under callgrind, with the scripts of checkout <dir>:
#   valgrind --tool=callgrind --callgrind-out-file=$CG/callgrind.out.%p redis-server --port $PORT --bind 127.0.0.1 --save '' --appendonly no
#   CG=/tmp/re3/cg PORT=43731 instr.sh <dir> <label>
# (apps/bench/src/probe/redis-script-instructions.ts: enqueue calls of 1, 5 and 10 messages, 3,000 messages each,
# then receive 10 + ack; each phase's dump is kept in $CG, named by the label, for callgrind_annotate.)
source /work/env.sh
dir=$1; label=$2; port=${PORT:-43731}; cg=${CG:-/tmp/re3/cg}
pid=$(pgrep -f "redis-server --port $port" | head -1)
redis-cli -p "$port" flushall >/dev/null
echo "== $label load $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$dir/apps/bench" && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/redis-script-instructions.ts redis://127.0.0.1:$port "$pid" "$cg" 1,5,10 10 3000)
mkdir -p "$cg/$label" && mv "$cg"/callgrind.out.*.* "$cg/$label/" 2>/dev/null
