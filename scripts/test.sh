#!/usr/bin/env bash
# Builds freshd with its tests and runs every test (unit and integration: the integration
# tests start nginx and their own fault servers on loopback). CI runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
cd build
ctest --output-on-failure --timeout 300 "$@"
