#!/usr/bin/env bash
# Installs, from npm, what the sink tests start or run on loopback and Debian does not package:
#   tests/servers/chroma   the Chroma server (chromadb 3.0.6 and its Linux bindings 1.0.5;
#                          newer bindings need glibc 2.38+)
#   tests/clients          the clients that read what freshd writes: the official Chroma client
#                          with its OpenAI embedding function, LangChain's JS Chroma and PGVector
#                          stores, node-postgres
# Each folder pins its versions in its package-lock.json. Idempotent: a folder whose pinned
# packages are in place is left alone. Needs node 20+ and npm (scripts/install-deps.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if ! command -v npm >/dev/null; then
  echo "npm is missing: install nodejs and npm (scripts/install-deps.sh)" >&2
  exit 1
fi
for dir in "$root/tests/servers/chroma" "$root/tests/clients"; do
  # `npm ls` fails when a package of the lock file is missing or at another version.
  if [ -d "$dir/node_modules" ] && npm ls --prefix "$dir" >/dev/null 2>&1; then continue; fi
  echo "installing the pinned npm packages of $dir"
  npm ci --prefix "$dir" --no-audit --no-fund
done
