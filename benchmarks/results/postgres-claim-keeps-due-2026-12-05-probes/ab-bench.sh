#!/usr/bin/env bash
# The bench's own drain, base then branch, each on a fresh `pnpm services` PostgreSQL:
#   ab-bench.sh <base checkout> <branch checkout> <rounds> <out dir> [more bench options, e.g. -n 40000 -r 3]
set -u
base=$1 branch=$2 rounds=${3:-5} out=$4; shift 4
source /work/env.sh
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
  for side in base branch; do
    dir=$([ "$side" = base ] && echo "$base" || echo "$branch")
    (cd "$branch" && pnpm -s services down >/dev/null 2>&1; pnpm -s services up postgres >/dev/null 2>&1)
    url=$(cd "$branch" && pnpm -s services env | sed -n 's/^export HOPPER_TEST_POSTGRES_URL=//p' | tr -d "'\"")
    echo "== $side round $round $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) commit $(git -C "$dir" rev-parse --short HEAD)"
    (cd "$dir" && HOPPER_TEST_POSTGRES_URL="$url" pnpm -s bench --profile full -s drain -b postgres -k hopper --progress plain --no-services "$@" -o "$out/$side-$round" 2>&1 | grep -E "drain c=" )
  done
done
(cd "$branch" && pnpm -s services down >/dev/null 2>&1)
