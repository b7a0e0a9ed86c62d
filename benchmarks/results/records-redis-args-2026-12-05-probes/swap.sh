#!/usr/bin/env bash
# Puts the Redis backend's record-argument files of <before|after> in the worktree: before = main's (the base commit),
# after = this branch's HEAD. Used by the A/B scripts beside it; restore with `swap.sh after`.
#   swap.sh before|after [base commit, default ad2ed15]
set -euo pipefail
root=$(git rev-parse --show-toplevel)
files=(packages/redis/src/scripts packages/redis/src/redis-enqueue.ts packages/redis/src/redis-acks.ts)
if [ "$1" = before ]; then git -C "$root" checkout "${2:-ad2ed15}" -- "${files[@]}"; else git -C "$root" checkout HEAD -- "${files[@]}"; fi
