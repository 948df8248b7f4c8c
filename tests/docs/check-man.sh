#!/bin/sh
# Every man page renders without a single groff or man warning.
# Usage: check-man.sh PAGE…
set -u

status=0
for page in "$@"; do
    man_warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=all -E UTF-8 -l "$page" 2>&1 >/dev/null)
    groff_warnings=$(groff -k -ww -z -man -Tutf8 "$page" 2>&1)
    if [ -n "$man_warnings$groff_warnings" ]; then
        echo "not ok: $page"
        printf '%s\n' "$man_warnings" "$groff_warnings" | sed '/^$/d'
        status=1
    elif ! grep -q '^\.SH NAME' "$page"; then
        echo "not ok: $page has no NAME section"
        status=1
    else
        echo "ok: $page"
    fi
done
exit $status
