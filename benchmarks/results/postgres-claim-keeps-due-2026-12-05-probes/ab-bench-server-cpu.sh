#!/usr/bin/env bash
# The bench's drain scenario (fills and drains), base then branch, each on a fresh `pnpm services` PostgreSQL, with
# the server's CPU over the whole bench run (every process of the cluster, /proc/<pid>/stat utime+stime):
#   ab-bench-server-cpu.sh <base checkout> <branch checkout> <rounds> [more bench options]
set -u
base=$1 branch=$2 rounds=${3:-2}
source /work/env.sh
# The postmaster's own ticks and its reaped children's (cutime, cstime), plus its live children's.
server_ticks() {
  local master total=0 f
  master=$(pgrep -f "postgres -D .* -p $1 ")
  read -r -a f < "/proc/$master/stat"; total=$((f[13] + f[14] + f[15] + f[16]))
  for pid in $(pgrep -P "$master"); do read -r -a f < "/proc/$pid/stat" 2>/dev/null && total=$((total + f[13] + f[14])); done
  echo $total
}
for round in $(seq 1 "$rounds"); do
  for side in base branch; do
    dir=$([ "$side" = base ] && echo "$base" || echo "$branch")
    (cd "$branch" && pnpm -s services down >/dev/null 2>&1; pnpm -s services up postgres >/dev/null 2>&1)
    url=$(cd "$branch" && pnpm -s services env | sed -n 's/^export HOPPER_TEST_POSTGRES_URL=//p' | tr -d "'\"")
    port=$(echo "$url" | sed 's/.*:\([0-9]*\)\/.*/\1/')
    before=$(server_ticks "$port")
    (cd "$dir" && HOPPER_TEST_POSTGRES_URL="$url" pnpm -s bench --profile full -s drain -b postgres -k hopper --progress plain --no-services "${@:4}" -o "/tmp/abcpu/$side-$round" >/dev/null 2>&1)
    after=$(server_ticks "$port")
    echo "$side round $round load $(cut -d' ' -f1 /proc/loadavg): server CPU $(( (after - before) * 10 )) ms over the run"
  done
done
(cd "$branch" && pnpm -s services down >/dev/null 2>&1)
