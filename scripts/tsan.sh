#!/usr/bin/env bash
# ThreadSanitizer, by hand (not in CI: another full build): builds the
# `sluice` binary and the unit tests with -fsanitize=thread in build-tsan/,
# runs the unit tests, then the process tests of build/ (scripts/test.sh
# builds them) whose names match $1 (default: every one) against the
# sanitized binary. Fails when TSan reports anything (libzmq's internals,
# not instrumented, are suppressed: tests/tsan.supp); the reports are in
# build-tsan/reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-.}"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_TSAN=ON \
  -DSLUICE_BUILD_BENCH=OFF -DSLUICE_PROCESS_TESTS=OFF >/dev/null
cmake --build build-tsan -j "$(nproc)" --target sluice unit_tests
reports="$PWD/build-tsan/reports"
rm -rf "$reports" && mkdir -p "$reports"
export TSAN_OPTIONS="log_path=$reports/tsan halt_on_error=0 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
status=0
build-tsan/tests/unit_tests >build-tsan/unit_tests.log 2>&1 || status=$?
(cd build && SLUICE_BINARY="$PWD/../build-tsan/tools/sluice" \
  ctest -L processes -R "$filter" -j "$(nproc)" --timeout 900 --output-on-failure) || status=$?
if compgen -G "$reports/tsan*" >/dev/null; then
  echo "tsan: reports in $reports:" >&2
  grep -h "^WARNING: ThreadSanitizer" "$reports"/tsan* | sort | uniq -c >&2
  exit 1
fi
exit "$status"
