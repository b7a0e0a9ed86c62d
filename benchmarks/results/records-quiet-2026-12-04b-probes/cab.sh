#!/bin/bash
# A = packages/ at cb71fb4 (this session's start), B = main; records $REC; in /work/wt/abq
source /work/env.sh; cd /work/wt/abq; eval "$(cd /work/main && pnpm -s services env)"
out=$1; mkdir -p $out
trap 'git checkout -q HEAD -- packages' EXIT
for i in $(seq 1 ${PAIRS:-5}); do
  for v in A B; do
    if [ $v = A ]; then git checkout -q cb71fb4 -- packages; else git checkout -q HEAD -- packages; fi
    echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) pair=$i v=$v" >> $out/log.txt
    HOPPER_BENCH_RECORDS=${REC:-on} pnpm -s bench -b redis,postgres -k hopper -s enqueue,drain -c 10 -n 5000 --single-jobs 2000 --bulk-jobs 5000 -r 1 --warmup 1 --progress plain --no-services -o $out/$v-$i > $out/$v-$i.out 2>&1
  done
done
