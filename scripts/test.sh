#!/usr/bin/env bash
# Set-up, build, and the whole test suite. Ends with meson's summary.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup.sh
meson test -C build --print-errorlogs --num-processes 2 "$@"
