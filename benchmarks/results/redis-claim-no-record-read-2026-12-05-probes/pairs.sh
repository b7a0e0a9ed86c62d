#!/bin/bash
# Interleaved Redis bench runs, each one child run of the bench's enqueue and drain columns (records-quiet-2026-12-04.md's command):
#   pairs.sh onoff <n> <out>   main (/work/main), records off then on
#   pairs.sh ab <n> <out>      records on, base (/work/wt/base51, 8b3139b) then the change (/work/main)
# From anywhere, with `pnpm services` up in /work/main. Summaries: python3 benchmarks/results/records-quiet-2026-12-04b-probes/sum.py <out>.
source /work/env.sh; eval "$(cd /work/main && pnpm -s services env)"
mode=$1; n=$2; out=$3; mkdir -p "$out"
for i in $(seq 1 "$n"); do
  for side in 1 2; do
    if [ "$mode" = onoff ]; then dir=/work/main; rec=$([ $side = 1 ] && echo off || echo on); tag=$rec
    else rec=on; dir=$([ $side = 1 ] && echo /work/wt/base51 || echo /work/main); tag=$([ $side = 1 ] && echo off || echo on); fi
    echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) pair=$i $tag $(git -C $dir rev-parse --short HEAD) records=$rec" >> "$out/log.txt"
    (cd $dir && HOPPER_BENCH_RECORDS=$rec pnpm -s bench -b redis -k hopper -s enqueue,drain -c 10 -n 5000 --single-jobs 2000 --bulk-jobs 5000 \
      -r 1 --warmup 1 --progress plain --no-services -o "$out/$tag-$i" > "$out/$tag-$i.out" 2>&1)
  done
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
