#!/usr/bin/env bash
# Run as /tmp/sqsid/<name> (the scripts call each other there); logs went to /tmp/sqsid/*.log, read by table.py, cpu.py, costtable.py.
source /work/env.sh
cd /work/wt/sqsid/apps/bench
for i in 1 2 3 4 5 6; do
  for s in one two; do
    /tmp/sqsid/side.sh $s
    echo "== step $s round $i $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/sqs-client-cpu.ts 2>/dev/null | grep median
  done
done
/tmp/sqsid/side.sh two
