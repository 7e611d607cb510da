#!/usr/bin/env bash
# Configures and builds freshd into build/ (Release with debug info). Extra arguments go to
# the build tool, e.g. `scripts/build.sh freshd` for the binary alone.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --parallel "$(nproc)" -- "$@"
