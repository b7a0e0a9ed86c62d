#!/bin/bash
# The cost-per-job probe on one checkout's apps/bench (main's read only, or this branch's), on this worktree's fauxqs.
# LABEL names the run and the queue prefix (keep it 5 characters: the prefix is in every request, so its length is in
# the bytes per job); LIBS=@aws-sdk/client-sqs for the raw client.
#   benchmarks/results/sqs-step-two-2026-12-05-probes/cost-per-job.sh /work/main/apps/bench main1 > logs/cost-main1.log
#   benchmarks/results/sqs-step-two-2026-12-05-probes/cost-per-job.sh $PWD/apps/bench brch1 > logs/cost-brch1.log
#   LIBS=@aws-sdk/client-sqs benchmarks/results/sqs-step-two-2026-12-05-probes/cost-per-job.sh $PWD/apps/bench raw01
source /work/env.sh
cd /work/wt/sqsid2 && eval "$(pnpm -s services env)"
cd "$1"
for lib in ${LIBS:-hopper}; do for mode in bulk drain; do
  echo "== $2 $lib $mode $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  PROBE_BULK_CALL=100 pnpm -s --filter @hopper/bench cost-per-job $lib "sqs://us-east-1/c$2$mode-?endpoint=$HOPPER_TEST_SQS_ENDPOINT&createQueues=true" 5000 10 $mode 2>&1
done; done
