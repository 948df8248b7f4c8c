#!/bin/sh
# Every source file with translatable strings is listed in po/POTFILES,
# and every listed file exists: otherwise its messages never reach
# translators, silently.
set -eu
top="$1"
cd "$top"
status=0
for f in $(grep -lE '(^|[^A-Za-z0-9_])N?_ ?\("' host plugins -r --include='*.c' | sort); do
  if ! grep -qx "$f" po/POTFILES; then
    echo "not in po/POTFILES: $f"
    status=1
  fi
done
for f in $(grep -v '^#' po/POTFILES); do
  if [ ! -f "$f" ]; then
    echo "listed in po/POTFILES but missing: $f"
    status=1
  fi
done
exit $status
