#!/usr/bin/env bash
# Installs the Debian packages that build, run and test freshd, then the test servers that
# Debian does not package (scripts/install-test-servers.sh). Idempotent; needs root (or sudo).
# Packages already present are left alone.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libboost-dev libcurl4-openssl-dev librocksdb-dev prometheus-cpp-dev libspdlog-dev
  catch2 libyaml-cpp-dev libsystemd-dev libxml2-dev libxxhash-dev nlohmann-json3-dev
  libpq-dev libpcre2-dev zlib1g-dev libssl-dev libseccomp-dev
  # documents (PDF, Office, OpenDocument) and git sources; git for the test remotes
  libpoppler-cpp-dev libzip-dev libmagic-dev libgit2-dev git
  # the libFuzzer harnesses (scripts/fuzz.sh): clang with its sanitizer and fuzzer runtimes
  clang-16 libclang-rt-16-dev libfuzzer-16-dev
  # scripts/tidy.sh
  clang-tidy-16
  # the man page (help2man, at build time) and the package test: lintian, hardening-check
  help2man lintian devscripts
  # servers and tools the tests and the demo start on loopback
  nginx-light prometheus systemd time bc
  # the RAG sink tests: a throwaway PostgreSQL cluster (Chroma comes from npm, below)
  postgresql-15
  # the status page test loads the page in a headless browser; fonts to render its text
  chromium fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js 20 and npm usually come with the machine (not from Debian, whose npm package would
# pull Debian's older nodejs over them): Debian's only when there is no npm at all.
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
"$(dirname "$0")/install-test-servers.sh"
