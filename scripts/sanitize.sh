#!/usr/bin/env bash
# The C test suites under AddressSanitizer and UndefinedBehaviorSanitizer
# (leaks checked at every exit), then each libFuzzer target of tests/fuzz
# for a bounded time from its checked-in seeds. One clang build serves
# both: build-asan/. Longer fuzzing by hand:
#   meson test -C build-asan --setup fuzzlong --suite fuzz-long
set -euo pipefail

cd "$(dirname "$0")/.."

if [ ! -f build-asan/build.ninja ]; then
  # introspection off: g-ir-scanner's dumper cannot run sanitized, and
  # the Python and GJS suites would need the runtime preloaded
  CC=clang-14 meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled -Dfuzzing=true
fi
ninja -C build-asan

# the slow unwinder: GLib has no frame pointers, and suppressions match
# on the whole stack.
# intercept_tls_get_addr=0: clang 14's runtime takes a dynamic TLS block
# that happens to start 16 bytes into a page for glibc 2.19's layout and
# records the two words before it as that block's range; LeakSanitizer's
# tracer then dies scanning it ("Tracer caught signal 11", seen among
# gRPC's threads in the cluster suite: "DTLS 15 at 0x000800001ef1-
# 0x001800002ff3" with log_threads=1; google/sanitizers#1322). Without
# the interception no leak can hide (fewer roots, if anything), and none
# is made up: glibc mallocs the blocks and the DTV that points to them,
# and the thread descriptor, which LeakSanitizer scans, points to the DTV.
# exitcode=23: a leak or memory error on a path that a test expects to
# fail with 1 is not taken for that failure.
export ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:strict_string_checks=1:detect_stack_use_after_return=1:intercept_tls_get_addr=0:exitcode=23
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# GLib 2.74's slice allocator would hide misuse from ASan
export G_SLICE=always-malloc
# glib-networking's libproxy module is C++ and throws inside; ASan's
# runtime for C programs cannot intercept that. No test uses a proxy.
export GIO_USE_PROXY_RESOLVER=dummy
# tests that bound a process's memory skip that (ASan's quarantine)
export JMP_TEST_SANITIZED=1

# the sdk suite builds a plugin against the installed SDK, not this build
meson test -C build-asan --num-processes 2 --timeout-multiplier 3 --print-errorlogs \
  --no-suite fuzz --no-suite sdk --logbase sanitize
# a report on a stderr the tests pass on fails too: it may come from a
# process whose exit status no test reads, or only checks is not 0
if grep -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" \
     build-asan/meson-logs/sanitize.txt; then
  echo "sanitize.sh: a sanitizer report in build-asan/meson-logs/sanitize.txt" >&2
  exit 1
fi
# leaks are checked after each input, as memory errors and UB
meson test -C build-asan --num-processes 2 --print-errorlogs --suite fuzz
