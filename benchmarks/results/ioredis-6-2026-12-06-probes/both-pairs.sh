#!/bin/bash
# The single-enqueue pairs, then the drain pairs, each pair run on ioredis 6 (/work/main) and ioredis 5 (/work/wt/io5, main before) in turn, the trees' order alternating.
for i in $(seq 1 ${1:-10}); do
  if [ $((i % 2)) = 1 ]; then trees="/work/main /work/wt/io5"; else trees="/work/wt/io5 /work/main"; fi
  for t in $trees; do n=$([ $t = /work/main ] && echo io6 || echo io5); echo "@@@ $n"; FLIP=$((i + 1)) /work/probes58/single-pairs.sh $t 1 /work/probes58/pairs/single-$n-$i | sed "s/### pair 1/### pair $i/"; done
done > /work/probes58/pairs/single.txt 2>&1
for i in $(seq 1 ${1:-10}); do
  if [ $((i % 2)) = 1 ]; then trees="/work/main /work/wt/io5"; else trees="/work/wt/io5 /work/main"; fi
  for t in $trees; do n=$([ $t = /work/main ] && echo io6 || echo io5); echo "@@@ $n"; FLIP=$((i + 1)) /work/probes58/drain-pairs.sh $t 1 10,50 /work/probes58/pairs/drain-$n-$i | sed "s/### pair 1/### pair $i/"; done
done > /work/probes58/pairs/drain.txt 2>&1
