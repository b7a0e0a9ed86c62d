#!/usr/bin/env bash
source /work/env.sh
eval "$(cd /work/wt/redisenq2 && pnpm -s services env)"
out=/tmp/re2/size-ab.txt
cd /tmp/re2/base
for i in 1 2 3 4 5; do for n in 2000 5000; do
  echo "## $n pair $i load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%T)" >> $out
  runs=$(mktemp -d)
  pnpm -s bench -b redis -k hopper,peer -s enqueue --single-jobs $n -r 5 --warmup 1 --progress plain --no-services -o $runs > /dev/null 2>&1
  grep -E '^\| \*\*redis/(hopper|bullmq)\*\*' $runs/latest.md | head -2 | cut -d'|' -f2,4 >> $out
done; done
echo DONE >> $out
