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
  # Each build goes to a folder of its own (dashboards/dist.<time>), and dashboards/dist is a symbolic link to the
  # newest, replaced in one rename: the platform's refresh rebuilds every few minutes, and the site being served
  # answers throughout (a build empties its output folder first; building in place answered 404 meanwhile, and
  # swapping folders with two renames left a moment with no dashboards/dist at all)
  local build="dist.$(date +%s%N)"
  rm -rf dashboards/src/.observablehq/cache dashboards/dist.link
  # a failed build leaves the site served as it was
  (cd dashboards && CUPOLA_DASHBOARDS_OUT="$build" npx observable build) || { rm -rf "dashboards/$build"; return 1; }
  # a site built in place by an older checkout is a folder: replaced once, not in one step
  if [[ -d dashboards/dist && ! -L dashboards/dist ]]; then rm -rf dashboards/dist; fi
  ln -s "$build" dashboards/dist.link
  mv -T dashboards/dist.link dashboards/dist
  # keep the build just replaced (a page loaded before the swap may still ask for its assets), remove older ones
  local old
  for old in $(ls -d dashboards/dist.[0-9]* | sort | head -n -2); do rm -rf "$old"; done
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
