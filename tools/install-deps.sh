#!/usr/bin/env bash
# Installs every Debian 12 package Mercato needs to build, run and test.
# Idempotent: installs only what is missing; runs `apt-get update` only then.
# Must run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libcaf-dev librocksdb-dev capnproto libcapnp-dev libpistache-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev doctest-dev nlohmann-json3-dev
  libsodium-dev libjwt-dev libcli11-dev libxxhash-dev libssl-dev
  libcurl4-openssl-dev curl python3 prometheus-cpp-dev
  clang-14 libclang-rt-14-dev clang-format
  prometheus
)
# npx runs the OpenAPI linter in CI (.ci/run): Debian's nodejs + npm, unless a node that
# brings its own npx is installed already (nodesource's nodejs conflicts with Debian's npm).
if ! command -v npx >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
