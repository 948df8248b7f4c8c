#!/usr/bin/env bash
# Set-up, build, and the whole test suite. Ends with meson's summary.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup.sh
# the docs suite checks the API reference and the man pages too
meson configure build -Ddocs=true >/dev/null
meson test -C build --print-errorlogs --num-processes 2 "$@"
