# Sourced by ab-drain.sh and ab-overload.sh: `use_side A` puts base 6752b99's versions of the files of the
# change in the work tree (token statements named), `use_side B` the branch's (sent unnamed); the branch's are
# restored on exit. Also loads the services env (HOPPER_TEST_POSTGRES_URL).
set -u
source /work/env.sh && cd /work/wt/pgackplan && eval "$(pnpm -s services env)"
AB_FILES="packages/postgres/src/operations/claim-messages.ts packages/postgres/src/operations/statement-text.ts packages/postgres/src/operations/delete-messages.ts packages/postgres/src/operations/extend-leases.ts packages/postgres/src/operations/release-messages.ts packages/postgres/src/postgres-executor.ts"
trap 'git checkout -q HEAD -- $AB_FILES' EXIT
use_side() { if [ "$1" = A ]; then git checkout -q 6752b99 -- $AB_FILES; else git checkout -q HEAD -- $AB_FILES; fi; }
