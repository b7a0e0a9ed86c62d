#!/bin/bash
# The real drain (apps/bench/src/probe/postgres-drain-profile.ts, Hopper, c = 10, 10,000 jobs), records off and on, with
# packages/postgres/src at <base> and <branch> in turn, <rounds> times. Repository root, clean work tree; leaves <branch>.
#   profile-ab.sh <rounds> <base> <branch> <postgres url (a server of its own with pg_stat_statements)> <out file>
rounds=$1; base=$2; branch=$3; url=$4; out=$5
for i in $(seq 1 "$rounds"); do
  for code in base branch; do
    commit=$base; [ "$code" = branch ] && commit=$branch
    git checkout -q "$commit" -- packages/postgres/src
    for r in off on; do
      echo "## $(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) round=$i code=$code($commit) records=$r" >> "$out"
      (cd apps/bench && HOPPER_BENCH_RECORDS=$r node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
        src/probe/postgres-drain-profile.ts hopper "$url" 10000 10 1 2>&1 | grep -E "jobs/s|node CPU|\[fetch\]|\[complete\] WITH deleted") >> "$out"
    done
  done
done
git checkout -q "$branch" -- packages/postgres/src
