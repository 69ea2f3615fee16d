#!/usr/bin/env bash
# The whole test suite: installs what it needs, starts a real PostgreSQL server (Debian packages),
# starts a single-node Apache Kafka broker (scripts/kafka.sh, Maven Central artefacts, cached), type-checks, checks module boundaries, runs unit and integration tests on PGlite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh

export CUPOLA_PG_PORT="${CUPOLA_PG_PORT:-54329}"
PG_LINE="$(scripts/pg.sh start | tail -1)"
export CUPOLA_TEST_PG_URL="${PG_LINE#DATABASE_URL=}"
CUPOLA_TEST_PG_URL="${CUPOLA_TEST_PG_URL%/*}/postgres"
trap 'scripts/pg.sh stop' EXIT
echo "PostgreSQL test server: $CUPOLA_TEST_PG_URL"

export CUPOLA_KAFKA_PORT="${CUPOLA_KAFKA_PORT:-59092}"
KAFKA_LINE="$(scripts/kafka.sh start | tail -1)"
export CUPOLA_TEST_KAFKA_BROKERS="${KAFKA_LINE#KAFKA_BROKERS=}"
trap 'scripts/kafka.sh stop; scripts/pg.sh stop' EXIT
echo "Kafka test broker: $CUPOLA_TEST_KAFKA_BROKERS"

echo "== typecheck"
npx tsc --noEmit -p .
echo "== module boundaries"
npx depcruise engine simulator bench pipelines forecasting --config .dependency-cruiser.cjs
echo "== analytics toolchain (dbt virtualenv, dashboards packages, Debian chromium for the browser tests)"
scripts/ensure-analytics.sh --browser
echo "== tests (unit + integration on PGlite and PostgreSQL)"
npx vitest run "$@"
