#!/bin/bash
# usage: ab-probe.sh BLOCKS OUT PATTERN PROBE [PROBE ARGS...]: interleaved A/B (A = main, B = this branch, ab-sides.sh)
# of a probe under apps/bench/src/probe, BLOCKS blocks of A then B, the probe's lines matching PATTERN kept in OUT/A.txt
# and OUT/B.txt (each block headed by the load), for summarize-drain.py. The runs of the results file:
#   ab-probe.sh 10 /tmp/pgplan2/drain "drain c=|server CPU" postgres-drain-profile.ts hopper "$HOPPER_TEST_POSTGRES_URL" 10000 1,10,50 1
#   ab-probe.sh 10 /tmp/pgplan2/enqueue "enqueue single" postgres-enqueue-single-cost.ts hopper "$HOPPER_TEST_POSTGRES_URL" 3000 1,10 1
# (the drain and enqueue sets ran as ab-drain.sh / ab-enqueue.sh, this loop with the probe written in.)
source "$(dirname "$(readlink -f "$0")")/ab-sides.sh"
blocks=$1 out=$2 pattern=$3
shift 3
mkdir -p "$out"
run_side() {
  use_side "$1"
  echo "== block $2 side $1 load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/$1.txt"
  (cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs "src/probe/$probe" "${args[@]}") 2>&1 | grep -E "$pattern" >> "$out/$1.txt"
}
probe=$1
shift
args=("$@")
for block in $(seq 1 "$blocks"); do run_side A "$block"; run_side B "$block"; done
