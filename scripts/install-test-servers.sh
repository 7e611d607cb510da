#!/usr/bin/env bash
# Installs the servers that the sink tests start on loopback and that Debian does not
# package: Chroma, from npm (chromadb 3.0.6 and its Linux bindings 1.0.5, pinned in
# tests/servers/chroma/package-lock.json; newer bindings need glibc 2.38+). Idempotent: does
# nothing when the pinned packages are in place. Needs node 20+ and npm (scripts/install-deps.sh).
set -euo pipefail
chroma_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/servers/chroma"

# `npm ls` fails when a package of the lock file is missing or at another version.
if [ -x "$chroma_dir/node_modules/.bin/chroma" ] && npm ls --prefix "$chroma_dir" >/dev/null 2>&1; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "npm is missing: install nodejs and npm (scripts/install-deps.sh)" >&2
  exit 1
fi
echo "installing Chroma for the sink tests into $chroma_dir"
npm ci --prefix "$chroma_dir" --no-audit --no-fund
