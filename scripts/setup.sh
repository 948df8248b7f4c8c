#!/usr/bin/env bash
# Installs what the build and the tests need (Debian 12), configures and
# builds into ./build, and installs the result under /usr/local so that
# `jmp`, `jumpstarter-host` and the plugins are at hand. Safe to run again:
# it only installs packages that are missing and rebuilds what changed.
set -euo pipefail

cd "$(dirname "$0")/.."

packages=(
  build-essential meson ninja-build pkg-config gettext
  libglib2.0-dev libglib2.0-bin libjson-glib-dev libsoup-3.0-dev libyaml-dev
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 gir1.2-json-1.0
  python3-gi gjs dbus dbus-daemon dbus-bin systemd
  iperf3 ustreamer socat libxml2-utils chromium
  python3-websockets websocketd openssl glib-networking openssh-client openssh-server
  gi-docgen scdoc groff-base man-db bash-completion
  clang-14 libfuzzer-14-dev
  libgrpc-dev libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev protobuf-compiler
  nodejs
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm comes with nodejs from some sources and alone from Debian's
if ! command -v npm >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends npm
fi

# The fake Jumpstarter cluster of tests/cluster: @grpc/grpc-js and
# @grpc/proto-loader at the versions of its package-lock.json, in the
# project, not system-wide.
if [ ! -d tests/cluster/node_modules/@grpc/grpc-js ] ||
   [ tests/cluster/package-lock.json -nt tests/cluster/node_modules/.package-lock.json ]; then
  (cd tests/cluster && npm ci --no-audit --no-fund)
fi

if [ ! -f build/build.ninja ]; then
  meson setup build
fi
ninja -C build
meson install -C build --quiet --no-rebuild >/dev/null
ldconfig
