#!/usr/bin/env bash
# Puts one release's claim function on the hopper schema: main (migration 8's body) or fix (migration 9's), for the
# forced A/B (same signature: CREATE OR REPLACE, as the migrations do).
#   swap-claim.sh main|fix
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
case "$1" in main) file=000008_claim_follows_changed_rows.sql ;; fix) file=000009_claim_updates_by_row_address.sql ;; *) exit 2 ;; esac
sed 's/{{schema}}/"hopper"/g' "$root/packages/postgres/src/migrations/$file" | psql "$HOPPER_TEST_POSTGRES_URL" -qAt -v ON_ERROR_STOP=1
echo "claim function: $1 ($file)"
