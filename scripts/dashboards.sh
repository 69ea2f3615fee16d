#!/usr/bin/env bash
# Builds the dashboards: simulated history into the lake when it is empty (demo scale, 400 days), `dbt build` into
# $CUPOLA_DATA_DIR/warehouse.duckdb, forecasts trained once when no model exists, then the static Observable Framework site in dashboards/dist (offline).
# Usage: scripts/dashboards.sh [--if-missing | --pages]   (--if-missing: do nothing when dashboards/dist exists;
# --pages: only the site, from the warehouse as it is — the platform's marts refresh builds the marts itself first)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--if-missing" && -f dashboards/dist/index.html ]]; then exit 0; fi
export CUPOLA_DATA_DIR="$(realpath -m "${CUPOLA_DATA_DIR:-data}")"
build_pages() {
  rm -rf dashboards/src/.observablehq/cache dashboards/dist.next dashboards/dist.old
  # built beside the site being served, then swapped in: a build empties its output folder first, and the
  # platform's refresh rebuilds every few minutes, so building in place left the site answering 404 meanwhile
  (cd dashboards && CUPOLA_DASHBOARDS_OUT=dist.next npx observable build)
  if [[ -d dashboards/dist ]]; then mv dashboards/dist dashboards/dist.old; fi
  mv dashboards/dist.next dashboards/dist
  rm -rf dashboards/dist.old
}
scripts/ensure-deps.sh
scripts/ensure-analytics.sh
if [[ "${1:-}" == "--pages" ]]; then build_pages; exit 0; fi
if ! compgen -G "$CUPOLA_DATA_DIR/lake/booking/*/*.parquet" >/dev/null; then
  # a bit over a year, so the forecasts have a season of history to learn from
  node bin/cupola.js simulate --days 400 --seed 1 --scale demo
fi
scripts/dbt.sh build --quiet
# forecasts: train once on the demo history when no model exists, then predict into the lake (a dbt source)
if ! compgen -G "$CUPOLA_DATA_DIR/models/demand/*" >/dev/null; then
  node bin/cupola.js forecast train --drop-short
  node bin/cupola.js forecast predict
  scripts/dbt.sh build --quiet --select mart_demand_forecast # the forecast band of the volume-targets page
fi
build_pages
echo "dashboards built in dashboards/dist (serve them with scripts/up.sh)"
