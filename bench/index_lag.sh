#!/usr/bin/env bash
# Runs bench_index_lag against the embedded sink, a throwaway PostgreSQL 15 cluster and a
# Chroma server, all on loopback, and removes them afterwards.
# Usage: bench/index_lag.sh [DOCUMENTS] [EDITS_PER_SECOND]   (from the repository root,
# after scripts/build.sh and scripts/install-test-servers.sh)
set -euo pipefail
documents=${1:-1000}
rate=${2:-100}
bench=${BENCH_INDEX_LAG:-build/bench/bench_index_lag}
work=$(mktemp -d /tmp/freshd-bench-lag.XXXXXX)
chmod 755 "$work"  # the postgres user must reach its folder inside
chroma_pid=""
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cleanup() {
  [ -n "$chroma_pid" ] && kill "$chroma_pid" 2>/dev/null || true
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$bench" embedded "$documents" "$rate"

pg_port=$(free_port)
mkdir -p "$work/pg" && chown postgres "$work/pg"
runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$work/pg/data" -A trust -U freshd >/dev/null
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg/data" -w -l "$work/pg/log" \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
"$bench" postgres "host=127.0.0.1 port=$pg_port user=freshd dbname=postgres" "$documents" "$rate"

chroma_port=$(free_port)
tests/servers/chroma/node_modules/.bin/chroma run --path "$work/chroma" --port "$chroma_port" \
  >"$work/chroma.log" 2>&1 &
chroma_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$chroma_port/api/v2/heartbeat" >/dev/null && break
  sleep 0.2
done
"$bench" chroma "http://127.0.0.1:$chroma_port" "$documents" "$rate"
