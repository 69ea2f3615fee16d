#!/usr/bin/env bash
# The whole test suite: installs what it needs, starts a real PostgreSQL server (Debian packages),
# type-checks, checks module boundaries, runs unit and integration tests on PGlite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh

export CUPOLA_PG_PORT="${CUPOLA_PG_PORT:-54329}"
PG_LINE="$(scripts/pg.sh start | tail -1)"
export CUPOLA_TEST_PG_URL="${PG_LINE#DATABASE_URL=}"
CUPOLA_TEST_PG_URL="${CUPOLA_TEST_PG_URL%/*}/postgres"
trap 'scripts/pg.sh stop' EXIT
echo "PostgreSQL test server: $CUPOLA_TEST_PG_URL"

echo "== typecheck"
npx tsc --noEmit -p .
echo "== module boundaries"
npx depcruise engine simulator bench --config .dependency-cruiser.cjs
echo "== tests (unit + integration on PGlite and PostgreSQL)"
npx vitest run "$@"
