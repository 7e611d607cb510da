#!/usr/bin/env bash
# The unit file is valid, raises the descriptor limit, and systemd rates its hardening at 1.5
# or lower (lower is safer).
set -euo pipefail
unit=$1
binary=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# verify checks that ExecStart's binary exists: point the unit at the one just built.
sed "s|/usr/bin/freshd|$binary|g" "$unit" > "$work/freshd.service"
out=$(systemd-analyze verify "$work/freshd.service" 2>&1 | grep -v 'Documentation' || true)
if [ -n "$out" ]; then echo "systemd-analyze verify: $out"; exit 1; fi
# The default soft limit (1024) runs out under a large state store and many connections.
nofile=$(sed -n 's/^LimitNOFILE=\([0-9]*\)$/\1/p' "$unit")
if [ -z "$nofile" ] || [ "$nofile" -lt 8192 ]; then
  echo "LimitNOFILE= must be 8192 or more, not '$nofile'"; exit 1
fi
score=$(systemd-analyze security --offline=true "$work/freshd.service" 2>&1 |
  sed -n 's/.*Overall exposure level for freshd.service: \([0-9.]*\).*/\1/p')
echo "exposure: $score"
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }'
