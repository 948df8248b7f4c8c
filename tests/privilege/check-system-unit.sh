#!/bin/sh
# The system service as installed: a unit systemd takes (systemd-analyze
# verify needs no running systemd) that runs the host as its own user,
# sandboxed (systemd-analyze security, offline, under a threshold), a
# D-Bus activation file that points at it, and a sysusers.d entry that
# systemd-sysusers reads. Usage: check-system-unit.sh BUILD/data/system HOST
set -eu
dir="$1"
host="$2"
top=$(cd "$(dirname "$0")/../.." && pwd)
unit="$dir/jumpstarter-host.service"
activation="$dir/dev.jumpstarter.Host1.service"
status=0

if ! command -v systemd-analyze > /dev/null; then
  echo "no systemd-analyze: skipped"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for key in Type=dbus BusName=dev.jumpstarter.Host1 User=jumpstarter Group=jumpstarter \
           NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
           CapabilityBoundingSet= RuntimeDirectory=jumpstarter-host \
           'ExecReload=/bin/kill -HUP $MAINPID' \
           'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_VSOCK AF_NETLINK'; do
  if ! grep -qxF "$key" "$unit"; then
    echo "$unit lacks $key"
    status=1
  fi
done
for key in Name=dev.jumpstarter.Host1 User=jumpstarter SystemdService=jumpstarter-host.service; do
  if ! grep -qxF "$key" "$activation"; then
    echo "$activation lacks $key"
    status=1
  fi
done

# verify checks that ExecStart exists: point it at the built host
exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
sed "s|$exec_path|$host|" "$unit" > "$work/jumpstarter-host.service"
if ! out=$(systemd-analyze verify --man=no "$work/jumpstarter-host.service" 2>&1) || [ -n "$out" ]; then
  echo "systemd-analyze verify: $out"
  status=1
fi

# exposure from 0 (best) to 10 (worst); 2.5 leaves room for what the
# drivers need (the network, devices) and nothing much else
if ! out=$(systemd-analyze security --offline=yes --threshold=25 \
             "$work/jumpstarter-host.service" 2>&1); then
  echo "$out"
  echo "systemd-analyze security: exposure above 2.5"
  status=1
fi
echo "$out" | grep 'Overall exposure level'

if command -v systemd-sysusers > /dev/null &&
   ! out=$(systemd-sysusers --dry-run "$top/data/system/jumpstarter.sysusers" 2>&1); then
  echo "systemd-sysusers: $out"
  status=1
fi
exit $status
