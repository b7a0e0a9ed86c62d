#!/bin/bash
# main off, main on, prototype on (the waiting record in the message), interleaved; Redis only.
#   MAIN and PROTO: checkouts of main and of main with waiting-record-in-message-prototype.diff applied
#   proto-pairs.sh <n> <out>   (services env set)
n=$1; out=$2; mkdir -p "$out"
run() { # tree records name
  (cd "$1" && HOPPER_BENCH_RECORDS=$2 pnpm -s bench -b redis -k hopper -s enqueue,drain -c 10 -n 5000 --single-jobs 2000 --bulk-jobs 5000 \
      -r 1 --warmup 1 --progress plain --no-services -o "$out/$3" > "$out/$3.out" 2>&1)
}
for i in $(seq 1 "$n"); do
  echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) pair=$i" >> "$out/log.txt"
  run "$MAIN" off main-off-$i
  run "$MAIN" on main-on-$i
  run "$PROTO" on proto-on-$i
done
echo "$(date -u +%H:%M:%S) done" >> "$out/log.txt"
