#!/usr/bin/env bash
# Builds freshd with its tests and runs every test (unit and integration: the integration
# tests start nginx and their own fault servers on loopback), then again under ASan+UBSan
# (scripts/test-sanitizers.sh), the threaded ones under TSan (scripts/test-tsan.sh), then
# the fuzzers briefly (scripts/fuzz.sh). CI runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
(cd build && ctest --output-on-failure --timeout 300 -j "$(nproc)" "$@")
# Then the whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer
# (FRESHD_SKIP_SANITIZERS=1 skips it, for a quicker local run).
if [ "${FRESHD_SKIP_SANITIZERS:-0}" != 1 ]; then scripts/test-sanitizers.sh "$@"; fi
# The tests of code that runs on several threads, under ThreadSanitizer (FRESHD_SKIP_TSAN=1
# skips it).
if [ "${FRESHD_SKIP_TSAN:-0}" != 1 ]; then scripts/test-tsan.sh; fi
# Last, each libFuzzer harness for a bounded time, after its regression inputs
# (FRESHD_SKIP_FUZZ=1 skips it; scripts/fuzz.sh SECONDS for a longer run).
if [ "${FRESHD_SKIP_FUZZ:-0}" != 1 ]; then scripts/fuzz.sh "${FRESHD_FUZZ_SECONDS:-10}"; fi
