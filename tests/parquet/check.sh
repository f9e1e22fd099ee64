#!/usr/bin/env bash
# Installs the readers (npm, into tests/parquet/node_modules, once) and runs
# check.mjs against SLUICE_BINARY. Usage: tests/parquet/check.sh SLUICE_BINARY [ROWS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sluice=$(realpath "${1:?usage: check.sh SLUICE_BINARY [ROWS]}")
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "parquet check: FAILED: node and npm are needed (apt-get install nodejs npm)" >&2
  exit 1
fi
if [[ ! -d "$here/node_modules/@duckdb/node-api" || ! -d "$here/node_modules/nodejs-polars-linux-x64-gnu" ]]; then
  (cd "$here" && npm install --no-audit --no-fund --loglevel=error >&2)
fi
# The unit test binary beside the sluice binary writes the fixture files
# (its ParquetFixtures.* cases).
fixtures=$(dirname "$(dirname "$sluice")")/tests/unit_tests
[[ -x "$fixtures" ]] || fixtures=""
cd "$here"
exec node check.mjs "$sluice" "${2:-20000}" $fixtures
