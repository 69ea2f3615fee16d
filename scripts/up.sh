#!/usr/bin/env bash
# Runs the platform on embedded defaults: installs dependencies, migrates the embedded PGlite store,
# seeds the demo region on first start and serves the engine (URLs printed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
# analytics dashboards (issue 5): built once (simulated history → dbt → static site), served by `up` next to the engine
scripts/dashboards.sh --if-missing || echo "dashboards not built (see above); the engine starts without them" >&2
exec node bin/cupola.js up "$@"
