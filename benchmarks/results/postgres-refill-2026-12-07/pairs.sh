#!/bin/bash
# Hopper's PostgreSQL drain, two checkouts alternating (A then B in odd pairs, B then A in even ones), the full
# profile's drains each run: pairs.sh <checkout A> <checkout B> <pairs> <out dir>  (HOPPER_TEST_POSTGRES_URL set)
a=$1 b=$2 pairs=$3 out=$4; mkdir -p "$out"
source /work/env.sh
run() { # <label> <checkout> <pair>
  echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) pair=$3 $1" >> "$out/log.txt"
  (cd "$2" && pnpm -s bench --profile full -s drain -b postgres -k hopper -r 3 --progress plain --no-services -o "$out/$1-$3") >> "$out/runs.out" 2>&1
}
for i in $(seq 1 "$pairs"); do
  if [ $((i % 2)) = 1 ]; then run A "$a" "$i"; run B "$b" "$i"; else run B "$b" "$i"; run A "$a" "$i"; fi
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
