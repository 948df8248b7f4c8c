#!/usr/bin/env bash
# Set-up, build, and a demo host on the built-in demo config. Uses the
# session bus, or a private one when there is none. Ctrl-C stops it.
set -euo pipefail

cd "$(dirname "$0")/.."
if [ "${1:-}" = "--no-setup" ]; then
  shift
else
  bash scripts/setup.sh
fi

build="$PWD/build"
export JUMPSTARTER_PLUGIN_PATH="$build/plugins/network:$build/plugins/dbus"
export PATH="$build/host/daemon:$build/host/cli:$PATH"

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${IN_PRIVATE_BUS:-}" ]; then
  echo "No session bus here: starting a private one."
  exec env IN_PRIVATE_BUS=1 dbus-run-session -- bash "$0" --no-setup "$@"
fi

jumpstarter-host &
host=$!
trap 'kill -TERM $host 2>/dev/null; wait $host' EXIT INT TERM

# wait until the host owns its name
for _ in $(seq 1 50); do
  jmp list >/dev/null 2>&1 && break
  sleep 0.1
done

echo
echo "== jmp list"
jmp list
echo
echo "== echo hello | jmp echo connect"
echo hello | jmp echo connect
echo
echo "The host serves on the session bus DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS"
echo "From another shell: DBUS_SESSION_BUS_ADDRESS='$DBUS_SESSION_BUS_ADDRESS' jmp list"
echo "Press Ctrl-C to stop it."
wait $host
