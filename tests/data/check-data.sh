#!/bin/sh
# Every XML file under data/ is well-formed, and the system-bus policy is
# one that dbus-daemon takes: a policy it cannot parse is skipped from
# system.d without a word, so it would never apply.
set -eu
top="$1"
cd "$top"
status=0

for f in $(find data -name '*.xml' -o -name '*.conf' | sort); do
  if ! xmllint --noout "$f"; then
    echo "not well-formed: $f"
    status=1
  fi
done

# A bus of the system type with the policy included as system.d would.
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
pid=
"$top/tests/data/system-bus-conf.sh" "$top" "$dir" > "$dir/bus.conf"
dbus-daemon --config-file="$dir/bus.conf" --nofork --print-address=1 > "$dir/address" 2> "$dir/log" &
pid=$!
tries=0
while [ ! -s "$dir/address" ] && kill -0 "$pid" 2>/dev/null && [ $tries -lt 100 ]; do
  sleep 0.1
  tries=$((tries + 1))
done
if [ ! -s "$dir/address" ]; then
  echo "dbus-daemon did not start with data/dev.jumpstarter.Host1.conf:"
  cat "$dir/log"
  exit 1
fi
address=$(head -n1 "$dir/address")

# root may own the name and those below it (jumpstarter-host@NAME), as
# the policy says; nobody else is tried here
if [ "$(id -u)" = 0 ]; then
  for name in dev.jumpstarter.Host1 dev.jumpstarter.Host1.bench-7; do
    out=$(dbus-send --bus="$address" --print-reply --dest=org.freedesktop.DBus \
          /org/freedesktop/DBus org.freedesktop.DBus.RequestName \
          string:$name uint32:4 2>&1) || {
      echo "root cannot own $name under the policy: $out"
      status=1
    }
  done
fi
exit $status
