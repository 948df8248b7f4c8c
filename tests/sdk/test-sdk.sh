#!/bin/sh
# The installed SDK is enough to write a plugin: install into a scratch
# DESTDIR, build tests/sdk/power-switch.c (the tutorial's plugin, at most 60
# lines) and legacy-export.c (an interface added by hand in the export
# hook) with nothing but `pkg-config jumpstarter-1.0`, have the installed
# host serve them under fatal warnings and criticals, and drive the power
# switch through jmp, Python, GJS, busctl and gdbus. Two test plugins of
# the tree, written against the public headers alone, go the same way:
# SlowStart (start_async and stop_async only) and DeclaredPump (a method
# that pumps the stream it hands over, on a JmpStreamLease).
set -eu
builddir="$1"
srcdir="$2"
cc="${CC:-cc}"

work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$work/host.err" ] && cat "$work/host.err"; exit 1; }

meson install -C "$builddir" --no-rebuild --quiet --destdir "$work/root" >/dev/null

pcdir=$(dirname "$(find "$work/root" -name jumpstarter-1.0.pc | head -n1)")
export PKG_CONFIG_PATH="$pcdir"
prefix=$(pkg-config --variable=prefix jumpstarter-1.0)
# our .pc with its prefix moved into DESTDIR; the packages it requires as
# the system has them (a prefix defined on the command line would move theirs too)
ours() { pkg-config --define-variable=prefix="$work/root$prefix" "$@" jumpstarter-1.0; }
requires=$(pkg-config --print-requires jumpstarter-1.0 | awk '{print $1}')
plugindir=$(ours --variable=plugindir)
[ -f "$plugindir/libjmp-network.so" ] || fail "no network plugin in $plugindir"

# the tutorial's plugin is installed as an example, and stays short
example="$work/root$prefix/share/doc/jumpstarter-glib/examples/power-switch.c"
cmp -s "$example" "$srcdir/power-switch.c" || fail "power-switch.c is not installed as an example"
lines=$(awk 'body { n++ } /\*\// && !body { body = 1 } END { print n }' "$srcdir/power-switch.c")
echo "power-switch.c: $lines lines after the license header"
[ "$lines" -le 60 ] || fail "power-switch.c has $lines lines, more than 60"
# and it is the code of the tutorial, word for word
awk '/^```c$/ { on = 1; next } on && /^```$/ { exit } on' "$srcdir/../../docs/writing-a-plugin.md" \
  >"$work/tutorial.c"
awk 'body { print } /\*\// { body = 1 }' "$srcdir/power-switch.c" >"$work/fixture.c"
cmp -s "$work/tutorial.c" "$work/fixture.c" ||
  fail "docs/writing-a-plugin.md and power-switch.c differ: $(diff "$work/tutorial.c" "$work/fixture.c")"

mkdir "$work/plugins" "$work/gen"
# the legacy plugin's second interface, as a vendor would generate it
(cd "$work/gen" && gdbus-codegen --interface-prefix com.example. --c-namespace Vendor \
   --generate-c-code vendor-codegen "$srcdir/com.example.Codegen1.xml")
for plugin in power-switch legacy-export slow-start declared; do
  extra=""
  src="$srcdir/$plugin.c"
  [ "$plugin" = legacy-export ] && extra="$work/gen/vendor-codegen.c"
  [ -f "$src" ] || src="$srcdir/../host/$plugin/$plugin.c"
  # shellcheck disable=SC2046,SC2086
  "$cc" -shared -fPIC -Wall -Wno-unused-parameter -Werror \
    -o "$work/plugins/lib$plugin.so" "$src" $extra -I"$work/gen" \
    -I"$(ours --variable=includedir)/jumpstarter-1.0" -L"$(ours --variable=libdir)" -ljumpstarter-1.0 \
    $(pkg-config --cflags --libs $requires gio-unix-2.0)
done

libdir=$(dirname "$(find "$work/root" -name 'libjumpstarter-1.0.so*' | head -n1)")
typelibdir=$(dirname "$(find "$work/root" -name 'Jumpstarter-1.0.typelib' | head -n1)")
host=$(find "$work/root" -path '*/bin/jumpstarter-host')
jmp=$(find "$work/root" -path '*/bin/jmp')
export LD_LIBRARY_PATH="$libdir" GI_TYPELIB_PATH="$typelibdir"
unset JUMPSTARTER_PLUGIN_PATH

out=$("$host" --plugin-dir "$work/plugins" --inspect=PowerSwitch)
echo "$out"
for want in outlet "cycle DELAY" "Switch off, wait DELAY" "com.example.PowerSwitch1" "on (b)"; do
  echo "$out" | grep -qF "$want" || fail "inspect does not show \"$want\""
done

# out of range values are refused through the plugin's GParamSpec
cat >"$work/bad.yaml" <<YAML
export:
  power: {type: PowerSwitch, config: {outlet: 9}}
YAML
if "$host" --plugin-dir "$work/plugins" --config "$work/bad.yaml" \
     --listen "unix:path=$work/bad.sock" 2>"$work/err"; then
  fail "outlet 9 was accepted"
fi
grep -q "9 is out of range 1" "$work/err" || fail "$(cat "$work/err")"

cat >"$work/power.yaml" <<YAML
export:
  power: {type: PowerSwitch, config: {outlet: 3}}
  legacy: {type: Legacy}
  slow: {type: SlowStart, config: {delay_ms: 200, stop_delay_ms: 100}}
  pump: {type: DeclaredPump}
YAML
G_DEBUG=fatal-warnings,fatal-criticals "$host" --plugin-dir "$work/plugins" --max-streams-per-peer 2 \
  --config "$work/power.yaml" --listen "unix:path=$work/host.sock" --print-address \
  >"$work/addr" 2>"$work/host.err" &
pid=$!
for _ in $(seq 200); do [ -s "$work/addr" ] && break; sleep 0.05; done
JUMPSTARTER_HOST=$(cat "$work/addr")
export JUMPSTARTER_HOST
[ -n "$JUMPSTARTER_HOST" ] || fail "the host did not start"
path=/dev/jumpstarter/Host1/driver/power

# jmp: help lists the methods, calls parse by signature, watch follows the state
"$jmp" power --help >"$work/help"
grep -q "cycle DELAY .*Switch off, wait DELAY seconds" "$work/help" || fail "$(cat "$work/help")"
"$jmp" power watch >"$work/watch" &
watch=$!
for _ in $(seq 200); do [ -s "$work/watch" ] && break; sleep 0.05; done
[ "$("$jmp" power read)" = false ] || fail "read is not false at start"
"$jmp" power on
[ "$("$jmp" power read --json)" = '{"on":true}' ] || fail "read --json"
"$jmp" power cycle 0.2
if "$jmp" power cycle -1 2>"$work/err"; then fail "cycle -1 was accepted"; fi
grep -q "0 to 60 s" "$work/err" || fail "$(cat "$work/err")"
if "$jmp" power cycle soon 2>"$work/err"; then fail "cycle soon was accepted"; fi
grep -q "“soon” is not a value of type d" "$work/err" || fail "$(cat "$work/err")"
for _ in $(seq 200); do [ "$(wc -l <"$work/watch")" -ge 4 ] && break; sleep 0.05; done
kill -INT "$watch"
wait "$watch" || fail "watch did not exit 0 on SIGINT"
printf 'On: false\nOn: true\nOn: false\nOn: true\n' | cmp -s - "$work/watch" ||
  fail "watch printed: $(cat "$work/watch")"

# Python and GJS through the installed typelib
/usr/bin/python3 - <<'PY' || fail "python"
import os
import gi
gi.require_version('Jumpstarter', '1.0')
from gi.repository import GLib, Jumpstarter
client = Jumpstarter.Client.new_for_address_sync(os.environ['JUMPSTARTER_HOST'], None)
driver = client.get_driver('power')
assert [m.get_name() for m in driver.get_methods()] == ['on', 'off', 'read', 'cycle']
driver.call_sync('off', None, None)
assert driver.call_sync('read', None, None).unpack() == (False,)
driver.call_sync('cycle', GLib.Variant('(d)', (0.1,)), None)
assert driver.call_sync('read', None, None).unpack() == (True,)
try:
    driver.call_sync('cycle', GLib.Variant('(s)', ('x',)), None)
    raise SystemExit('a wrong argument type was accepted')
except GLib.Error as e:
    assert e.matches(Jumpstarter.error_quark(), Jumpstarter.Error.INVALID_ARGS), e.message
print('python: ok')
PY

# a plugin's pumped streams draw on the client's budget (2 here)
/usr/bin/python3 - <<'PY' || fail "stream lease"
import os, time
import gi
gi.require_version('Jumpstarter', '1.0')
from gi.repository import GLib, Jumpstarter
client = Jumpstarter.Client.new_for_address_sync(os.environ['JUMPSTARTER_HOST'], None)
pump = client.get_driver('pump')
def open_stream():
    result, fds = pump.call_with_unix_fd_list_sync('pump', None, None)
    return fds.steal_fds()[0]
held = [open_stream(), open_stream()]
try:
    open_stream()
    raise SystemExit('a third stream past a budget of 2')
except GLib.Error as e:
    assert e.matches(Jumpstarter.error_quark(), Jumpstarter.Error.UNAVAILABLE), e.message
    assert '2 streams open' in e.message, e.message
os.close(held.pop())
deadline = time.monotonic() + 20
while True:  # the pump sees the close, then gives its place back
    try:
        held.append(open_stream())
        break
    except GLib.Error:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.05)
print('stream lease: ok')
PY
cat >"$work/client.js" <<'JS'
imports.gi.versions.Jumpstarter = '1.0';
const { GLib, Jumpstarter } = imports.gi;
const client = Jumpstarter.Client.new_for_address_sync(GLib.getenv('JUMPSTARTER_HOST'), null);
const driver = client.get_driver('power');
driver.call_sync('off', null, null);
if (driver.call_sync('read', null, null).deepUnpack()[0] !== false)
    throw new Error('read after off');
driver.call_sync('cycle', new GLib.Variant('(d)', [0.1]), null);
if (driver.call_sync('read', null, null).deepUnpack()[0] !== true)
    throw new Error('read after cycle');
print('gjs: ok');
JS
/usr/bin/gjs "$work/client.js" || fail "gjs"

# busctl and gdbus see real names and types, and call
busctl --address="$JUMPSTARTER_HOST" introspect dev.jumpstarter.Host1 "$path" \
  com.example.PowerSwitch1 >"$work/busctl"
grep -Eq '^\.Cycle +method +d ' "$work/busctl" || fail "busctl: $(cat "$work/busctl")"
grep -Eq '^\.On +property +b +true +emits-change' "$work/busctl" || fail "busctl: $(cat "$work/busctl")"
busctl --address="$JUMPSTARTER_HOST" call dev.jumpstarter.Host1 "$path" \
  com.example.PowerSwitch1 Off
[ "$(busctl --address="$JUMPSTARTER_HOST" call dev.jumpstarter.Host1 "$path" \
      com.example.PowerSwitch1 Read)" = "b false" ] || fail "busctl Read"
gdbus introspect --address "$JUMPSTARTER_HOST" --dest dev.jumpstarter.Host1 \
  --object-path "$path" >"$work/gdbus"
grep -q "Cycle(in  d delay);" "$work/gdbus" || fail "gdbus: $(cat "$work/gdbus")"
grep -q "Read(out b on);" "$work/gdbus" || fail "gdbus: $(cat "$work/gdbus")"
gdbus call --address "$JUMPSTARTER_HOST" --dest dev.jumpstarter.Host1 --object-path "$path" \
  --method com.example.PowerSwitch1.Cycle 0.1 >/dev/null
[ "$(gdbus call --address "$JUMPSTARTER_HOST" --dest dev.jumpstarter.Host1 \
      --object-path "$path" --method com.example.PowerSwitch1.Read)" = "(true,)" ] ||
  fail "gdbus Read"

# the hand-written skeleton of the export hook, on every new connection
for _ in 1 2; do
  [ "$(gdbus call --address "$JUMPSTARTER_HOST" --dest dev.jumpstarter.Host1 \
        --object-path /dev/jumpstarter/Host1/driver/legacy \
        --method com.example.Legacy1.Ping hello)" = "('hello',)" ] || fail "Legacy1.Ping"
done
[ "$(gdbus call --address "$JUMPSTARTER_HOST" --dest dev.jumpstarter.Host1 \
      --object-path /dev/jumpstarter/Host1/driver/legacy \
      --method org.freedesktop.DBus.Properties.Get com.example.Codegen1 Outlets)" = "(<uint32 8>,)" ] ||
  fail "Codegen1.Outlets"
"$jmp" list >/dev/null

kill -0 "$pid" || fail "the host died"
kill "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" = 0 ] || fail "the host exited with $status"
if grep -Eq "WARNING|CRITICAL" "$work/host.err"; then fail "the host warned"; fi
echo "ok: plugins built against the installed SDK load, serve, and every client reaches them"
