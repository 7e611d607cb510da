#!/usr/bin/env bash
# Configures and builds freshd into build/ (Release with debug info). Extra arguments go to
# the build tool, e.g. `scripts/build.sh freshd` for the binary alone.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/ccache-env.sh
# CI treats a warning as an error; a local build only shows it.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFRESHD_WERROR="${CI:-OFF}" \
  "${launcher[@]}" >/dev/null
cmake --build build --parallel "$(nproc)" -- "$@"
