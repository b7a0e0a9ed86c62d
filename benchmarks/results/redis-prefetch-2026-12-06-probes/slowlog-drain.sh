#!/bin/bash
# The longest Redis commands (scripts) during Hopper's drain at c = 50, records on or off, prefetch 200 or 1000:
# the server's SLOWLOG records every command (threshold 0) and the longest evalsha durations are summarised.
# Args: records (on|off), prefetch, out file.
source /work/env.sh && cd /work/main && eval "$(pnpm -s services env)"
redis-cli -u "$HOPPER_TEST_REDIS_URL" config set slowlog-log-slower-than 0 >/dev/null
redis-cli -u "$HOPPER_TEST_REDIS_URL" config set slowlog-max-len 200000 >/dev/null
redis-cli -u "$HOPPER_TEST_REDIS_URL" slowlog reset >/dev/null
HOPPER_BENCH_RECORDS=$1 HOPPER_BENCH_PREFETCH=$2 pnpm -s bench -b redis -k hopper -s drain -c 50 -n 20000 -r 1 --warmup 0 --no-services --progress plain -o /work/probes57/slowlog-out >/dev/null 2>&1
redis-cli -u "$HOPPER_TEST_REDIS_URL" slowlog get 200000 > /tmp/slowlog.txt
redis-cli -u "$HOPPER_TEST_REDIS_URL" config set slowlog-log-slower-than 10000 >/dev/null
python3 - "$1" "$2" <<'PY' >> $3
import sys, collections
lines = open("/tmp/slowlog.txt").read().split("\n")
# Each entry: id, timestamp, duration (µs), then the command's words (evalsha, sha, numkeys, keys...).
by_script = collections.defaultdict(list)
for i in range(len(lines) - 5):
    if lines[i + 3].strip().lower() == "evalsha":
        try: by_script[lines[i + 4].strip()[:8] + " keys " + lines[i + 5].strip() + " " + lines[i + 9].strip().split(":")[-1]].append(int(lines[i + 2]))
        except ValueError: pass
for sha, durations in sorted(by_script.items(), key=lambda item: -max(item[1])):
    durations.sort(); n = len(durations)
    pick = lambda q: durations[min(n - 1, int(q * n))]
    print(f"records {sys.argv[1]} prefetch {sys.argv[2]} script {sha}: calls {n}, µs p50 {pick(0.5)} p90 {pick(0.9)} p99 {pick(0.99)} max {durations[-1]}")
PY
