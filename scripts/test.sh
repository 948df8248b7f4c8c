#!/usr/bin/env bash
# Set-up, build, the sanitizer and fuzz runs (scripts/sanitize.sh), and
# the whole test suite. Ends with meson's summary.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup.sh
# the docs suite checks the API reference and the man pages too
meson configure build -Ddocs=true >/dev/null
# the C suites under ASan and UBSan, and the fuzz targets, first: the
# output ends with the summary of the main suite
bash scripts/sanitize.sh
meson test -C build --print-errorlogs --num-processes 2 "$@"
