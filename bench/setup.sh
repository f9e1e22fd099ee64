#!/usr/bin/env bash
# Installs what bench/run.py needs besides sluice itself: Debian's pandas (for
# the pandas peer), node + npm, linux-perf and valgrind (profiles), and the
# npm peers (nodejs-polars, @duckdb/node-api) into bench/node_modules.
# Bench-only: scripts/setup.sh (build and tests) does not need any of this.
# Idempotent; uses sudo when not root. Then builds sluice and the
# micro-benchmarks in build-bench (Release).
set -euo pipefail
cd "$(dirname "$0")"

packages=(python3 python3-pandas linux-perf valgrind)
# node and npm may come from elsewhere (a nodejs build that bundles npm):
# Debian's are installed only when the commands are missing.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$package")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  echo "bench/setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# package.json pins the versions; the Linux x64 binary of Polars is listed
# explicitly because npm skips it as an optional dependency here.
if [[ ! -d node_modules/nodejs-polars-linux-x64-gnu || ! -d node_modules/@duckdb/node-api ]]; then
  npm install --no-audit --no-fund >&2
fi

# sluice and the micro-benchmarks, Release. GCC 12 reports false -Wrestrict
# positives at -O3 inside libstdc++'s string code, hence -Wno-error=restrict.
if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
  cmake -S .. -B ../build-bench -G Ninja -DSLUICE_BUILD_BENCH=ON -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS=-Wno-error=restrict" >/dev/null
  ninja -C ../build-bench -j "${JOBS:-2}" sluice csv_reader_bench expr_bench writer_bench >&2
fi
