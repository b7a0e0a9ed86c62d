#!/usr/bin/env bash
# Run as /tmp/sqsid/<name> (the scripts call each other there); logs went to /tmp/sqsid/*.log, read by table.py, cpu.py, costtable.py.
source /work/env.sh
cd /work/wt/sqsid && eval "$(pnpm -s services env)"
for i in 1 2 3; do
  for s in one two; do
    /tmp/sqsid/side.sh $s
    for mode in bulk drain; do
      echo "== step $s round $i $mode $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
      PROBE_BULK_CALL=100 pnpm -s --filter @hopper/bench cost-per-job hopper "sqs://us-east-1/sid$s$i$mode-?endpoint=$HOPPER_TEST_SQS_ENDPOINT&createQueues=true" 5000 10 $mode 2>&1 | grep "µs/job"
    done
  done
done
echo "== raw $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in bulk drain; do PROBE_BULK_CALL=100 pnpm -s --filter @hopper/bench cost-per-job @aws-sdk/client-sqs "sqs://us-east-1/sidraw$mode-?endpoint=$HOPPER_TEST_SQS_ENDPOINT&createQueues=true" 5000 10 $mode 2>&1 | grep "µs/job"; done
/tmp/sqsid/side.sh two
