#!/bin/bash
# The drain's statements one at a time (postgres-record-drain-plans.ts), before ($BEFORE, a clone at f649276) and after (this checkout), interleaved.
set -e
here=$(cd "$(dirname "$0")/../../.." && pwd)
eval "$(cd "$here" && pnpm -s services env)"
for rep in $(seq 1 "${1:-3}"); do for dir in "$BEFORE" "$here"; do
  echo "== $([ "$dir" = "$here" ] && echo after || echo before) rep $rep"
  (cd "$dir/apps/bench" && node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/postgres-record-drain-plans.ts "$HOPPER_TEST_POSTGRES_URL" 2000 5 2>&1 | grep -E "^(off|on) ")
done; done
