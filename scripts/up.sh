#!/usr/bin/env bash
# Runs the platform on embedded defaults: installs dependencies, migrates the embedded PGlite store,
# seeds the demo region on first start and serves the engine (URLs printed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
exec node bin/cupola.js up "$@"
