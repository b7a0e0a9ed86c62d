#!/usr/bin/env bash
# pubsub-held-message-handover.test.ts on main before the change (/work/wt/base50, the test file copied in) and after it, alternated.
source /work/env.sh
eval "$(cd /work/main && pnpm -s services env)"
cp /work/main/packages/pubsub/src/pubsub-held-message-handover.test.ts /work/wt/base50/packages/pubsub/src/
for round in $(seq 1 "${1:-3}"); do
  for side in before after; do
    dir=/work/wt/base50; [ $side = after ] && dir=/work/main
    echo "$(date -u +%H:%M:%S) $side $round: $(cd $dir && CI=true HOPPER_SERVICES=pubsub npx vitest run packages/pubsub/src/pubsub-held-message-handover.test.ts 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | grep -aoE '\[pubsub\].*|Tests  .*' | tr '\n' ' ')"
  done
done
rm /work/wt/base50/packages/pubsub/src/pubsub-held-message-handover.test.ts
