#!/bin/sh
# run-fuzzer.sh TARGET SCRATCH_DIR SEED_DIR SECONDS
# Runs a libFuzzer target for SECONDS from the seeds; new inputs go to
# SCRATCH_DIR (the build dir), a crash fails the test and is kept there.
set -eu
target=$1 scratch=$2 seeds=$3 seconds=$4
mkdir -p "$scratch"
# tests/lsan.supp for a run by hand too (scripts/sanitize.sh sets it)
case "${LSAN_OPTIONS:-}" in
  *suppressions=*) ;;
  *) LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")/.." && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
     export LSAN_OPTIONS ;;
esac
# one job: meson runs the targets side by side
# libFuzzer exits 77 on a find, which meson takes for "skipped". A leak is
# a find too (-detect_leaks=1): a lazy one-time allocation of GLib or
# json-glib stays reachable from their globals and is not reported.
exec "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -error_exitcode=1 \
  -detect_leaks=1 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$scratch/" \
  "$scratch" "$seeds"
