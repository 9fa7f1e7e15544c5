#!/bin/bash
# The whole test suite: installs what it needs, builds with warnings as errors, runs
# every unit and integration test, then all of them again under AddressSanitizer and
# UndefinedBehaviorSanitizer. Every server a test needs (registry, dockerd,
# podman) is started and stopped by that test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/install-deps.sh --test

rm -rf _build _build-asan
meson setup _build --werror --buildtype=debugoptimized
ninja -C _build
meson test -C _build --print-errorlogs --num-processes 2

# Everything again with AddressSanitizer and UndefinedBehaviorSanitizer built into
# libskopos, the transports, the CLI and the unit tests (the external tools the
# integration tests drive are not affected: nothing is preloaded).
meson setup _build-asan --werror --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
ninja -C _build-asan
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C _build-asan --print-errorlogs --num-processes 2
