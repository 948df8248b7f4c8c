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
cat > "$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <!-- the default policy of Debian's system.conf -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
  </policy>
  <include>$top/data/dev.jumpstarter.Host1.conf</include>
</busconfig>
CONF
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

# root may own the name, as the policy says; nobody else is tried here
if [ "$(id -u)" = 0 ]; then
  out=$(dbus-send --bus="$address" --print-reply --dest=org.freedesktop.DBus \
        /org/freedesktop/DBus org.freedesktop.DBus.RequestName \
        string:dev.jumpstarter.Host1 uint32:4 2>&1) || {
    echo "root cannot own dev.jumpstarter.Host1 under the policy: $out"
    status=1
  }
fi
exit $status
