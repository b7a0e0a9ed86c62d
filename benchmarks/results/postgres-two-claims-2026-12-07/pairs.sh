#!/bin/bash
# A (main) and B (two receives on the wire for a lone queue), alternating first, each the drain probe at c = 1, 10, 50.
#   pairs.sh <n> <out dir>   (services env set)
n=$1; out=$2; mkdir -p "$out"
run() { (cd "$1/apps/bench" && node --import ./src/child/strip-types.mjs --no-warnings src/probe/postgres-drain-profile.ts hopper "$HOPPER_TEST_POSTGRES_URL" 20000 1,10,50 1) > "$out/$2-$3.txt" 2>&1; }
for i in $(seq 1 "$n"); do
  echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) pair=$i" >> "$out/log.txt"
  if [ $((i % 2)) -eq 1 ]; then run /work/main A "$i"; run /work/exp-clone B "$i"; else run /work/exp-clone B "$i"; run /work/main A "$i"; fi
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
