# Sourced by the ab-*.sh scripts here: `use_side A` puts main's files of the change in the work tree (998114d: the
# claim and token statements sent unnamed), `use_side B` this branch's (d60c143: named, on a pool whose connections
# plan every call); the branch's are restored on exit. Also loads the services env (HOPPER_TEST_POSTGRES_URL).
set -u
source /work/env.sh && cd /work/wt/pgplan2 && eval "$(pnpm -s services env)"
AB_FILES="packages/postgres/src/postgres-executor.ts packages/postgres/src/postgres-backend.ts"
trap 'git checkout -q HEAD -- $AB_FILES' EXIT
use_side() { if [ "$1" = A ]; then git checkout -q 998114d -- $AB_FILES; else git checkout -q d60c143 -- $AB_FILES; fi; }
