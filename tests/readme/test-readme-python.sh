#!/bin/sh
# The README's Python example runs as written, through `jmp shell` against
# the demo config it names, and prints what it says it prints.
set -eu
top="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# the first ```python block of the README
awk '/^```python$/ { inside = 1; next } inside && /^```$/ { exit } inside { print }' \
  "$top/README.md" > "$work/demo.py"
[ -s "$work/demo.py" ] || { echo "no python example in README.md"; exit 1; }

"$JMP_TEST_CLI" shell --config "$top/data/examples/echo.yaml" -- \
  /usr/bin/python3 "$work/demo.py" > "$work/out" 2> "$work/err" || {
  echo "the README's example failed:"; cat "$work/err"; exit 1; }
cat "$work/out"
grep -q "^echo EchoNetwork" "$work/out" || { echo "no driver listed"; exit 1; }
grep -qx "b'hello'" "$work/out" || { echo "no echo"; exit 1; }
grep -q "^network \[.*'EchoNetwork'" "$work/out" || { echo "no plugin listed"; exit 1; }
