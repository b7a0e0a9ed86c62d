#!/usr/bin/env bash
# SQS (fauxqs) enqueue with the Hopper subject's envelopes full and compact (HOPPER_BENCH_ENVELOPES), raw in every run;
# the modes' order alternates within each pair, and so does the subjects' order within a run.
# Usage: pairs.sh <pairs> <out dir>; needs `eval "$(pnpm -s services env)"`.
set -euo pipefail
pairs=$1 out=$2
mkdir -p "$out"
for pair in $(seq 1 "$pairs"); do
  if (( pair % 2 )); then modes="full compact" order=hopper,raw; else modes="compact full" order=raw,hopper; fi
  for mode in $modes; do
    echo "pair $pair $mode $order $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    HOPPER_BENCH_ENVELOPES=$mode pnpm -s bench -b sqs -k $order -s enqueue --single-jobs 500 --bulk-jobs 10000 -r 5 --warmup 1 --no-services --progress plain -o "$out/$pair-$mode" > "$out/$pair-$mode.log" 2>&1
  done
done
