#!/usr/bin/env bash
# Runs dbt (dbt-core + dbt-duckdb, pinned in requirements-dbt.txt) from the project virtualenv .venv, creating it
# on first use and reinstalling only when requirements-dbt.txt changes. Usage: scripts/dbt.sh <dbt arguments>, or
# scripts/dbt.sh --worker: a long-lived dbt taking builds on stdin (scripts/dbt_worker.py; the marts refresh uses it).
# The warehouse is $CUPOLA_DATA_DIR/warehouse.duckdb (default ./data); the lake is $CUPOLA_DATA_DIR/lake.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
STAMP="$VENV/.requirements-dbt.sha256"
WANT="$(sha256sum requirements-dbt.txt | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/dbt" || "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]]; then
  echo "setting up the dbt virtualenv ($VENV)…" >&2
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements-dbt.txt >&2
  echo "$WANT" > "$STAMP"
fi
export CUPOLA_DATA_DIR="${CUPOLA_DATA_DIR:-data}"
mkdir -p "$CUPOLA_DATA_DIR"
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$PWD}"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
export DBT_TARGET_PATH="${DBT_TARGET_PATH:-$CUPOLA_DATA_DIR/dbt/target}" DBT_LOG_PATH="${DBT_LOG_PATH:-$CUPOLA_DATA_DIR/dbt/logs}"
if [[ "${1:-}" == "--worker" ]]; then exec "$VENV/bin/python" scripts/dbt_worker.py; fi
exec "$VENV/bin/dbt" "$@"
