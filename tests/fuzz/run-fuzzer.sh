#!/bin/sh
# run-fuzzer.sh TARGET SCRATCH_DIR SEED_DIR SECONDS
# Runs a libFuzzer target for SECONDS from the seeds; new inputs go to
# SCRATCH_DIR (the build dir), a crash fails the test and is kept there.
set -eu
target=$1 scratch=$2 seeds=$3 seconds=$4
mkdir -p "$scratch"
# one job: meson runs the targets side by side
# libFuzzer exits 77 on a find, which meson takes for "skipped". Its leak
# check is off: it blames the input that first reaches a lazy one-time
# allocation of GLib or json-glib (a class, a quark), and such an input
# replayed alone leaks nothing. Memory errors and UB still fail; leaks are
# checked by the unit tests under LeakSanitizer.
exec "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -error_exitcode=1 \
  -detect_leaks=0 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$scratch/" \
  "$scratch" "$seeds"
