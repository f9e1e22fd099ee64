#!/usr/bin/env bash
# Installs every build and test dependency of sluice from Debian's packages.
# Idempotent: does nothing when everything is already present.
# Uses sudo when not root. `--test` adds what only the test suite needs
# (headless Chromium for the dashboard check, python3-pandas for the Python
# package's tests). help2man writes the man page at build time. libpq-dev builds the
# `format: postgres` input; postgresql is the server its tests start.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git clang-format
  libzmq3-dev cppzmq-dev
  capnproto libcapnp-dev
  librocksdb-dev
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libyaml-cpp-dev nlohmann-json3-dev
  libxxhash-dev libzstd-dev zlib1g-dev libsnappy-dev libre2-dev
  libcpp-httplib-dev libssl-dev libbrotli-dev
  libcurl4-openssl-dev nginx
  libpq-dev postgresql
  clang-14 libclang-rt-14-dev
  python3 python3-yaml procps ca-certificates
  help2man
  xfsprogs e2fsprogs iproute2 mount util-linux
)

if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium)
  # tests/python: Result.to_pandas() with Debian's pandas.
  packages+=(python3-pandas)
  # tests/parquet/check.sh reads Parquet back with DuckDB and Polars from npm;
  # the S3 tests start s3rver from npm (tests/s3, installed below).
  packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
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
  if [[ $(id -u) -ne 0 ]]; then
    sudo_cmd=(sudo)
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The S3 tests' server: s3rver from npm into tests/s3/node_modules (the tests
# also install it on first use; here so that a test run needs no network).
if [[ "${1:-}" == "--test" ]]; then
  s3_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/s3"
  if [[ ! -f "$s3_dir/node_modules/s3rver/bin/s3rver.js" ]] && command -v npm >/dev/null; then
    echo "setup: npm install in tests/s3 (s3rver)" >&2
    (cd "$s3_dir" && npm install --no-audit --no-fund --loglevel=error >&2)
  fi
fi
