#!/bin/bash
# The statements-alone probe (apps/bench/src/probe/postgres-record-drain-plans.ts, 2,000 jobs, one round of off and on
# per call) with packages/postgres/src at <base> and at <branch> in turn, <rounds> times. From the repository root, a
# clean work tree; leaves packages/postgres/src at <branch>.
#   counted-ab.sh <rounds> <base> <branch> <postgres url (a server of its own, pg_stat_statements loaded)> <out file>
#   python3 counted-sum.py <out file>
rounds=$1; base=$2; branch=$3; url=$4; out=$5
for i in $(seq 1 "$rounds"); do
  for code in base branch; do
    commit=$base; [ "$code" = branch ] && commit=$branch
    git checkout -q "$commit" -- packages/postgres/src
    echo "## $(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) round=$i code=$code($commit)" >> "$out"
    (cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/postgres-record-drain-plans.ts "$url" 2000 1) >> "$out" 2>&1
  done
done
git checkout -q "$branch" -- packages/postgres/src
