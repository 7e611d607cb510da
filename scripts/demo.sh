#!/usr/bin/env bash
# The quick start: builds freshd, serves the bundled example site with nginx on
# 127.0.0.1:8731, edits its status page every 20 seconds, and runs
# `freshd run -c examples/quickstart.yaml` in the foreground. Ctrl-C stops everything.
# Watch the log, or in another terminal: `build/daemon/freshd status`,
# `build/daemon/freshd search refund window`,
# `curl -s 127.0.0.1:9711/metrics | grep freshd_source_checks_total`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh freshd

run=examples/run
rm -rf "$run/site" "$run/nginx"
mkdir -p "$run"
cp -r examples/corpus/site "$run/site"

children=()
cleanup() { kill "${children[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

scripts/nginx-serve.sh "$run/site" 8731 "$run/nginx" &
children+=($!)

# The "policy team": a new status line every 20 seconds.
(
  n=0
  while sleep 20; do
    n=$((n + 1))
    sed -i "s|<p>.*</p>|<p>Status update $n at $(date -u +%H:%M:%S): all systems operational.</p>|" \
      "$run/site/news/status.html"
  done
) &
children+=($!)

build/daemon/freshd run -c examples/quickstart.yaml &
children+=($!)
wait "${children[-1]}"
