#!/usr/bin/env bash
# Installs what the analytics part needs: the dbt virtualenv (scripts/dbt.sh creates it), the dashboards' own
# Node packages (dashboards/package-lock.json) and, with --browser, Debian's chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/dbt.sh --version >/dev/null
if [[ ! -d dashboards/node_modules || dashboards/package-lock.json -nt dashboards/node_modules/.package-lock.json ]]; then
  echo "installing dashboards dependencies (npm ci in dashboards/)…" >&2
  (cd dashboards && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
if [[ "${1:-}" == "--browser" && ! -x /usr/bin/chromium ]]; then
  echo "installing chromium (Debian package)…" >&2
  if [[ "$(id -u)" == 0 ]]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2
  else
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2
  fi
fi
