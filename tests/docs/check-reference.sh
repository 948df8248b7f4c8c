#!/bin/sh
# The API reference: gi-docgen makes it from the GIR without a warning, finds
# every public symbol documented (gi-docgen check: a description, every
# parameter and the return value), and every link between its pages leads
# somewhere.
# Usage: check-reference.sh GI-DOCGEN CONFIG CONTENT-DIR GIR
set -u

gidocgen=$1
config=$2
content=$3
gir=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0

if ! "$gidocgen" generate --quiet --fatal-warnings --config "$config" \
        --content-dir "$content" --output-dir "$dir/html" --no-namespace-dir \
        "$gir" >"$dir/generate.log" 2>&1 ||
    grep -q -i 'warning\|error\|traceback' "$dir/generate.log"; then
    echo "not ok: gi-docgen generate"
    cat "$dir/generate.log"
    status=1
else
    echo "ok: gi-docgen generate"
fi

"$gidocgen" check --config "$config" "$gir" >"$dir/check.log" 2>&1
if grep -q -i 'warning\|error\|traceback' "$dir/check.log"; then
    echo "not ok: gi-docgen check: undocumented symbols"
    grep -i 'warning\|error' "$dir/check.log" | sed 's/\x1b\[[0-9;]*m//g'
    status=1
else
    echo "ok: gi-docgen check"
fi

if [ -d "$dir/html" ]; then
    broken=0
    for page in "$dir"/html/*.html; do
        # relative links only: a scheme (https:, javascript:) has a colon
        for target in $(grep -o 'href="[^"]*"' "$page" | sed -e 's/^href="//' -e 's/[#?].*//' \
                            -e 's/"$//' | grep -v -e ':' -e '^$' | sort -u); do
            if [ ! -e "$dir/html/$target" ]; then
                echo "not ok: $(basename "$page") links to $target, which is not there"
                broken=1
            fi
        done
    done
    if [ $broken -eq 0 ]; then echo "ok: links"; else status=1; fi
fi
exit $status
