#!/usr/bin/env bash
# Interleaved drains, base then branch, each on a fresh `pnpm services` PostgreSQL:
#   ab-drain.sh <base checkout> <branch checkout> <rounds> <jobs> <concurrencies> > out.txt
# Each side runs apps/bench's postgres-drain-profile probe from its own checkout (the branch migrates to 8, the base to
# its own latest); server CPU and WAL per job are counted, jobs/s is wall clock.
set -u
base=$1 branch=$2 rounds=${3:-6} jobs=${4:-20000} conc=${5:-1,10,50}
source /work/env.sh
for round in $(seq 1 "$rounds"); do
  for side in base branch; do
    dir=$([ "$side" = base ] && echo "$base" || echo "$branch")
    (cd "$branch" && pnpm -s services down >/dev/null 2>&1; pnpm -s services up postgres >/dev/null 2>&1)
    url=$(cd "$branch" && pnpm -s services env | sed -n 's/^export HOPPER_TEST_POSTGRES_URL=//p' | tr -d "'\"")
    echo "== $side round $round $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) commit $(git -C "$dir" rev-parse --short HEAD)"
    (cd "$dir/apps/bench" && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
      src/probe/postgres-drain-profile.ts hopper "$url" "$jobs" "$conc" "${ROUNDS_PER_SERVER:-1}" 2>&1 | grep -A1 "jobs/s" | grep -v "^--" | sed 's/first job ended.*//')
  done
done
(cd "$branch" && pnpm -s services down >/dev/null 2>&1)
