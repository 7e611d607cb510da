#!/usr/bin/env bash
# The search benchmark (bench/search.cc) on a store of 364,000 chunks: latency p50/p99 and
# how often a pasted paragraph finds its own chunk, for the current search and the one
# before issue 9 item 4, measured in the same run on the same store. Building the store
# takes about two minutes and 1 GB in $TMPDIR; STORE=DIR keeps it there for the next run.
# Usage: bench/search.sh [PAGES] [QUERIES]   (defaults 85000 and 300; after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${BENCH_SEARCH:-build/bench/bench_search}
[ -x "$bench" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
"$bench" "${1:-85000}" "${2:-300}" ${STORE:+"$STORE"}
