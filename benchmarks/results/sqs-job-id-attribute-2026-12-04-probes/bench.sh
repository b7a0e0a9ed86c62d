#!/usr/bin/env bash
# Run as /tmp/sqsid/<name> (the scripts call each other there); logs went to /tmp/sqsid/*.log, read by table.py, cpu.py, costtable.py.
# 5 interleaved pairs, step one then step two, of the sqs enqueue and drain scenarios, hopper and raw.
source /work/env.sh
cd /work/wt/sqsid && eval "$(pnpm -s services env)"
for i in 1 2 3 4 5; do
  for s in one two; do
    /tmp/sqsid/side.sh $s
    echo "== step $s pair $i start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    pnpm -s bench -s enqueue,drain -b sqs -k hopper,raw --no-services --progress plain -o /tmp/sqsid/bench-$s-$i > /tmp/sqsid/bench-$s-$i.log 2>&1
    echo "== step $s pair $i end $(date -u +%T) rc $? load $(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
/tmp/sqsid/side.sh two
echo DONE
