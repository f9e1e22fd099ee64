#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian 12 machine: installs what is
# missing, checks formatting and every #include against the library graph,
# builds, runs every test (ctest), then builds again with AddressSanitizer +
# UndefinedBehaviorSanitizer and runs the tests there too (those that start
# processes against the sanitized binary). SLUICE_SKIP_SANITIZERS=1 skips the second pass.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step's end is logged with the seconds since the start (CI's budget).
step() { echo "test: $1 done at $SECONDS s" >&2; }

bash scripts/setup.sh --test
step setup
bash scripts/check-format.sh
python3 scripts/check-includes.py  # every #include follows the library graph (CMake DEPENDS)

jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
step build
python3 -m unittest discover -s tests/reference -q
python3 -m unittest discover -s deploy/podman -q  # the podman converter
(cd build && ctest --output-on-failure -j "$jobs" --timeout 600)
step ctest
bash tests/deploy/validate.sh
# The image and the dev overlay, run with podman; exit 77: podman cannot run
# containers on this machine (the reason is printed), so it is skipped.
podman_status=0
bash deploy/podman-e2e.sh || podman_status=$?
if ((podman_status == 77)); then
  echo "test: deploy/podman-e2e.sh skipped: podman cannot run containers here (reason above)" >&2
elif ((podman_status != 0)); then
  exit "$podman_status"
fi
step podman-e2e
# libFuzzer: the CSV reader's split invariance on random inputs, 20 s, only
# where clang++-14 can link -fsanitize=fuzzer (libclang-rt-14-dev).
fuzz_probe=$(mktemp -d)
echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' \
  >"$fuzz_probe/probe.cc"
if clang++-14 -fsanitize=fuzzer "$fuzz_probe/probe.cc" -o "$fuzz_probe/probe" 2>/dev/null; then
  bash scripts/fuzz.sh 20  # per target
else
  echo "test: clang++-14 -fsanitize=fuzzer does not work here; fuzzing skipped" >&2
fi
rm -rf "$fuzz_probe"
step fuzz
bash tests/ui/dashboard_test.sh build/tools/sluice build/dashboard.png
bash tests/parquet/check.sh build/tools/sluice  # Parquet read back by DuckDB and Polars (npm)
step dashboard-and-parquet

if [[ "${SLUICE_SKIP_SANITIZERS:-0}" != "1" ]]; then
  # The tests that start sluice processes (cluster, chaos, PostgreSQL) test
  # the binary: they are not built again here (-DSLUICE_PROCESS_TESTS=OFF) but
  # run from build/ against the sanitized binary. The in-process tests (unit,
  # simulation) are built with the sanitizers.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON \
    -DSLUICE_BUILD_BENCH=OFF -DSLUICE_PROCESS_TESTS=OFF >/dev/null
  cmake --build build-asan -j "$jobs"
  step build-asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # The first pass ran the simulation's 10,000 seeds; 2,000 here (each is
  # ~15x slower under the sanitizers).
  (cd build-asan && SIM_SEEDS=2000 ctest --output-on-failure -j "$jobs" --timeout 900)
  (cd build && SLUICE_BINARY="$PWD/../build-asan/tools/sluice" \
    ctest --output-on-failure -j "$jobs" --timeout 900 -L processes)
  step ctest-asan
fi
