#!/bin/sh
# The installed SDK is enough to write a plugin: install into a scratch
# DESTDIR, build tests/sdk/example-plugin.c with nothing but
# `pkg-config jumpstarter-1.0`, and have the installed host load it.
set -eu
builddir="$1"
srcdir="$2"
cc="${CC:-cc}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

meson install -C "$builddir" --no-rebuild --quiet --destdir "$work/root" >/dev/null

pcdir=$(dirname "$(find "$work/root" -name jumpstarter-1.0.pc | head -n1)")
export PKG_CONFIG_PATH="$pcdir"
prefix=$(pkg-config --variable=prefix jumpstarter-1.0)
# our .pc with its prefix moved into DESTDIR; the packages it requires as
# the system has them (a prefix defined on the command line would move theirs too)
ours() { pkg-config --define-variable=prefix="$work/root$prefix" "$@" jumpstarter-1.0; }
requires=$(pkg-config --print-requires jumpstarter-1.0 | awk '{print $1}')
plugindir=$(ours --variable=plugindir)
[ -f "$plugindir/libjmp-network.so" ] || { echo "no network plugin in $plugindir"; exit 1; }

mkdir "$work/plugins"
# shellcheck disable=SC2046
"$cc" -shared -fPIC -Wall -Werror -o "$work/plugins/libvendor-power.so" \
  "$srcdir/example-plugin.c" \
  -I"$(ours --variable=includedir)/jumpstarter-1.0" -L"$(ours --variable=libdir)" -ljumpstarter-1.0 \
  $(pkg-config --cflags --libs $requires)

libdir=$(dirname "$(find "$work/root" -name 'libjumpstarter-1.0.so*' | head -n1)")
host=$(find "$work/root" -path '*/bin/jumpstarter-host')
out=$(env -u JUMPSTARTER_PLUGIN_PATH LD_LIBRARY_PATH="$libdir" \
        "$host" --plugin-dir "$work/plugins" --inspect=vendor_driver.driver.PowerSwitch)
echo "$out"
echo "$out" | grep -q "PowerSwitch" || { echo "PowerSwitch not described"; exit 1; }
echo "$out" | grep -q "outlet" || { echo "outlet key missing"; exit 1; }

# and the host serves it from a config
cat >"$work/power.yaml" <<YAML
export:
  power: {type: PowerSwitch, config: {outlet: 3}}
YAML
env -u JUMPSTARTER_PLUGIN_PATH LD_LIBRARY_PATH="$libdir" \
  "$host" --plugin-dir "$work/plugins" --config "$work/power.yaml" \
  --listen "unix:path=$work/host.sock" --print-address >"$work/addr" &
pid=$!
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.05; done
kill "$pid"
wait "$pid"
grep -q "^unix:path=" "$work/addr" || { echo "the host did not serve the plugin's driver"; exit 1; }

# out of range values are refused through the plugin's GParamSpec
sed -i 's/outlet: 3/outlet: 9/' "$work/power.yaml"
if env -u JUMPSTARTER_PLUGIN_PATH LD_LIBRARY_PATH="$libdir" \
     "$host" --plugin-dir "$work/plugins" --config "$work/power.yaml" \
     --listen "unix:path=$work/host2.sock" 2>"$work/err"; then
  echo "outlet 9 was accepted"; exit 1
fi
grep -q "9 is out of range 1" "$work/err" || { cat "$work/err"; exit 1; }
echo "ok: a plugin built against the installed SDK loads, serves and validates"
