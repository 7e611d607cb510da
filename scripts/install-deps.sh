#!/usr/bin/env bash
# Installs the Debian packages that build, run and test freshd. Idempotent; needs root
# (or sudo). Packages already present are left alone.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libcurl4-openssl-dev librocksdb-dev prometheus-cpp-dev libspdlog-dev
  catch2 libyaml-cpp-dev libsystemd-dev libxml2-dev libxxhash-dev nlohmann-json3-dev
  libpq-dev libpcre2-dev zlib1g-dev libssl-dev
  # servers and tools the tests and the demo start on loopback
  nginx-light prometheus systemd time bc
  # the status page test loads the page in a headless browser; fonts to render its text
  chromium fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "installing: ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
