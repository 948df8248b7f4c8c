#!/bin/sh
# The German translation is complete and reaches the user:
# - po/de.po translates every message of a template extracted now from the
#   files in po/POTFILES, with nothing fuzzy: a string added or changed
#   since fails here, and the failure lists it with where it comes from;
# - the build installs the catalog where the programs look for it
#   (LOCALEDIR), and the installed jmp and jumpstarter-host, with their
#   plugins, speak German under LANGUAGE=de: help, inspect, errors.
# The installed tree is run at its own prefix through a private mount
# namespace (the prefix of DESTDIR bound over the real one), since a
# DESTDIR install still looks for its catalogs under the real prefix.
# Usage: test-po-de.sh SRCDIR BUILDDIR PREFIX LOCALEDIR LIBDIR
set -eu
top="$1"
builddir="$2"
prefix="$3"
localedir="$4"
libdir="$5"
domain=jumpstarter-glib

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

# --- completeness -------------------------------------------------------
grep -qx de "$top/po/LINGUAS" || fail "po/LINGUAS does not list de"

# the arguments meson's i18n.gettext(preset: 'glib') gives xgettext
(cd "$top" && xgettext --package-name="$domain" -f po/POTFILES -D "$top" -k_ \
   -o "$work/$domain.pot" \
   --from-code=UTF-8 --add-comments \
   --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
   --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
   --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
   --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
   --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
   --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
   --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
   --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
   --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format \
   2>"$work/xgettext.err") || { cat "$work/xgettext.err"; fail "xgettext failed"; }
# a msgid that xgettext cut (a macro inside the string, e.g. G_GSIZE_FORMAT)
# can never match what the program looks up
if grep -q "warning" "$work/xgettext.err"; then
  cat "$work/xgettext.err"
  fail "xgettext warns: a message above cannot be translated as written"
fi

# a message that a macro cut without a warning (not in a printf-like call)
if msgcat --no-wrap "$work/$domain.pot" | grep -E '^msgid(_plural)? "(.*[^%])?(%%)*%"$' >"$work/cut"; then
  cat "$work/cut"
  fail "xgettext cut the messages above at a macro; write the format without one (%zu, %llu)"
fi

msgfmt --check -o /dev/null "$top/po/de.po" 2>"$work/check.err" ||
  { cat "$work/check.err"; fail "po/de.po does not pass msgfmt --check"; }

msgmerge --quiet -o "$work/de.po" "$top/po/de.po" "$work/$domain.pot"
msgfmt --check --statistics -o "$work/de.mo" "$work/de.po" 2>"$work/stats" ||
  { cat "$work/stats"; fail "the merged de.po does not pass msgfmt --check"; }
echo "de.po against the current sources: $(cat "$work/stats")"
# msgattrib prints the header as well; the real entries have a #: line
msgattrib --untranslated --no-obsolete --no-wrap "$work/de.po" >"$work/untranslated"
msgattrib --only-fuzzy --no-obsolete --no-wrap "$work/de.po" >"$work/fuzzy"
n_untranslated=$(grep -c '^#:' "$work/untranslated" || true)
n_fuzzy=$(grep -c '^#:' "$work/fuzzy" || true)
if [ "$n_untranslated" -gt 0 ] || [ "$n_fuzzy" -gt 0 ]; then
  fail "po/de.po lacks $n_untranslated translations and has $n_fuzzy fuzzy ones"
  for kind in untranslated fuzzy; do
    grep -q '^#:' "$work/$kind" || continue
    echo "--- $kind:"
    awk '/^#:/ { show = 1 } show' "$work/$kind"
  done
  echo "--- to fix: meson compile -C BUILDDIR $domain-update-po, then translate"
  echo "    the entries above in po/de.po (and drop their fuzzy flags)"
fi
obsolete=$(msgattrib --only-obsolete "$top/po/de.po" | grep -c '^#~ msgid' || true)
[ "$obsolete" -eq 0 ] || echo "note: po/de.po keeps $obsolete obsolete entries"

# --- installed ----------------------------------------------------------
meson install -C "$builddir" --no-rebuild --quiet --destdir "$work/root" >/dev/null
[ -f "$work/root$localedir/de/LC_MESSAGES/$domain.mo" ] ||
  fail "no $localedir/de/LC_MESSAGES/$domain.mo installed"

case "$prefix" in
  /usr|/usr/|/)
    echo "prefix $prefix cannot be replaced for a test: the installed programs were not run"
    exit $status ;;
esac
as_root=""
[ "$(id -u)" = 0 ] || as_root="--map-root-user"
# shellcheck disable=SC2086
if ! unshare $as_root --mount true 2>/dev/null; then
  echo "no private mount namespace here: the installed programs were not run"
  [ "$status" = 0 ] && exit 77
  exit $status
fi

cat >"$work/bad.yaml" <<'YAML'
export:
  net: {type: TcpNetwork, config: {host: 127.0.0.1, port: 70000}}
YAML
# the first argument is the language; the outputs go to $work/out.*
cat >"$work/run.sh" <<'SH'
set -u
mount --bind "$WORK/root$PREFIX" "$PREFIX" || exit 1
export LD_LIBRARY_PATH="$LIBDIR" LC_ALL=C.UTF-8 LANGUAGE="$1"
export G_DEBUG=fatal-warnings,fatal-criticals
unset JUMPSTARTER_PLUGIN_PATH JUMPSTARTER_PLUGIN_SYSTEM_PATH JUMPSTARTER_HOST
out="$WORK/out.$1"
"$PREFIX/bin/jmp" --help >"$out.help" 2>&1
"$PREFIX/bin/jmp" inspect >"$out.inspect" 2>&1
"$PREFIX/bin/jmp" inspect TcpNetwork >"$out.inspect-tcp" 2>&1
"$PREFIX/bin/jmp" inspect NoSuchType >"$out.inspect-none" 2>&1 && echo "exit 0" >>"$out.inspect-none"
"$PREFIX/bin/jumpstarter-host" --help >"$out.host-help" 2>&1
"$PREFIX/bin/jumpstarter-host" --config "$WORK/bad.yaml" --listen "unix:path=$WORK/host.sock" \
  >"$out.host-config" 2>&1 && echo "exit 0" >>"$out.host-config"
exit 0
SH
for lang in de en; do
  # shellcheck disable=SC2086
  WORK="$work" PREFIX="$prefix" LIBDIR="$libdir" \
    unshare $as_root --mount --propagation private sh "$work/run.sh" "$lang" ||
    fail "cannot run the installed tree at $prefix"
done

# expect FILE TEXT…: each TEXT is in FILE
expect() {
  file="$1"; shift
  for want in "$@"; do
    grep -qF -- "$want" "$work/$file" || fail "$file lacks \"$want\": $(cat "$work/$file")"
  done
}
expect out.de.help "Die Treiber eines Jumpstarter-Exporters verwenden." "Befehle:" \
  "TREIBER BEFEHL" "Den Host auf dem Systembus verwenden" "auf dem Session-Bus, sonst"
expect out.de.inspect "Beschreibung:  Streams zu TCP-, UDP-, Unix- und vsock-Zielen" \
  "Insgesamt: 4 Plugins,"
expect out.de.inspect-tcp "Konfigurationsschlüssel:" "Port des Ziels (erforderlich)" \
  "Hilfetext, der für den Treiber angezeigt wird"
expect out.de.inspect-none 'jmp: Kein Treibertyp „NoSuchType“; bekannte Typen:'
expect out.de.host-help "Die Treiber einer Exporter-Konfiguration auf D-Bus bereitstellen." \
  "--config=DATEI"
expect out.de.host-config "export.net.config.port: 70000 liegt außerhalb des Bereichs 1–65535"
# and without LANGUAGE the same runs are English: the checks above are
# about the catalog, not about something else in the output
expect out.en.help "Use the drivers of a Jumpstarter exporter."
expect out.en.inspect-none "no driver type"
expect out.en.host-config "export.net.config.port: 70000 is out of range 1–65535"

[ "$status" = 0 ] && echo "ok: de.po is complete, installed, and jmp and jumpstarter-host speak German"
exit $status
