#!/bin/sh
# The systemd units of the workstation as installed: the user's default
# host and its per-exporter template, and the system template, each one
# systemd takes (systemd-analyze verify, which needs no running systemd,
# on an instance of each template), a template's bus name the one its
# host owns, and the system template as sandboxed as the system unit.
# Usage: check-units.sh BUILD/data HOST
set -eu
dir="$1"
host="$2"
status=0

if ! command -v systemd-analyze > /dev/null; then
  echo "no systemd-analyze: skipped"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/user" "$work/system" "$work/runtime"
chmod 700 "$work/runtime"

# verify checks that ExecStart exists: point it at the built host
place()
{
  exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$1")
  sed "s|$exec_path|$host|" "$1" > "$2/$(basename "$1")"
}

need()
{
  if ! grep -qxF "$2" "$1"; then
    echo "$1 lacks $2"
    status=1
  fi
}

verify()
{
  if ! out=$(XDG_RUNTIME_DIR="$work/runtime" systemd-analyze "$@" 2>&1) || [ -n "$out" ]; then
    echo "systemd-analyze $*: $out"
    status=1
  fi
}

for key in Type=dbus BusName=dev.jumpstarter.Host1 'ExecReload=/bin/kill -HUP $MAINPID'; do
  need "$dir/jumpstarter-host.service" "$key"
done
for key in Type=dbus BusName=dev.jumpstarter.Host1.%i 'ExecReload=/bin/kill -HUP $MAINPID' \
           WantedBy=default.target; do
  need "$dir/jumpstarter-host@.service" "$key"
done
grep -q '^ExecStart=.* --exporter %i$' "$dir/jumpstarter-host@.service" ||
  { echo "jumpstarter-host@.service does not serve exporter %i"; status=1; }
for key in Type=dbus BusName=dev.jumpstarter.Host1.%i User=jumpstarter Group=jumpstarter \
           NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
           CapabilityBoundingSet= RuntimeDirectory=jumpstarter-host-%i \
           'ExecReload=/bin/kill -HUP $MAINPID' WantedBy=multi-user.target; do
  need "$dir/system/jumpstarter-host@.service" "$key"
done
grep -q '^ExecStart=.* --system --exporter %i$' "$dir/system/jumpstarter-host@.service" ||
  { echo "system jumpstarter-host@.service does not serve exporter %i"; status=1; }

place "$dir/jumpstarter-host.service" "$work/user"
place "$dir/jumpstarter-host@.service" "$work/user"
place "$dir/system/jumpstarter-host@.service" "$work/system"
ln -s jumpstarter-host@.service "$work/user/jumpstarter-host@bench-7.service"
ln -s jumpstarter-host@.service "$work/system/jumpstarter-host@bench-7.service"

verify --user verify --man=no "$work/user/jumpstarter-host.service"
verify --user verify --man=no "$work/user/jumpstarter-host@bench-7.service"
verify verify --man=no "$work/system/jumpstarter-host@bench-7.service"

if ! out=$(systemd-analyze security --offline=yes --threshold=25 \
             "$work/system/jumpstarter-host@bench-7.service" 2>&1); then
  echo "$out"
  echo "systemd-analyze security: the system template's exposure is above 2.5"
  status=1
fi
echo "$out" | grep 'Overall exposure level'
exit $status
