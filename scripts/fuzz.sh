#!/usr/bin/env bash
# Builds the libFuzzer targets with clang++-14 (build-fuzz/) — the CSV and
# JSON Lines readers' split invariance, the Parquet reader on damaged files,
# the message decoder plus the coordinator's handling of one message, the
# expression language over long and hostile strings, and the SQL front end —
# and runs each for a bounded time:
# `bash scripts/fuzz.sh [SECONDS]` (default 60 per target). A finding is
# saved as build-fuzz/crash-* and the script fails. The corpus is kept in
# build-fuzz/corpus-<target>/ between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
compiler=${SLUICE_FUZZ_CXX:-clang++-14}
c_compiler=${SLUICE_FUZZ_CC:-clang-14}

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_FUZZ=ON \
  -DSLUICE_BUILD_BENCH=OFF -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_C_COMPILER="$c_compiler" \
  >/dev/null
targets=(csv_split_fuzz jsonl_split_fuzz parquet_read_fuzz coordinator_message_fuzz expr_eval_fuzz sql_compile_fuzz)
cmake --build build-fuzz --target "${targets[@]}" -j "$(nproc)"

# The Parquet reader's raw mode starts from small files DuckDB and Polars
# write (when node and tests/parquet/node_modules are there; the first byte
# 0x80 selects raw mode), so the fuzzer reaches their encodings too.
parquet_seeds=build-fuzz/corpus-parquet_read_fuzz
if [[ -d tests/parquet/node_modules/@duckdb/node-api && ! -e "$parquet_seeds/.seeded" ]] &&
  command -v node >/dev/null; then
  mkdir -p "$parquet_seeds" build-fuzz/parquet-seed-files
  if (cd tests/parquet && node write_inputs.mjs ../../build-fuzz/parquet-seed-files 3 30 >/dev/null); then
    for file in build-fuzz/parquet-seed-files/*.parquet; do
      { printf '\x80'; cat "$file"; } >"$parquet_seeds/$(basename "$file").seed"
    done
    touch "$parquet_seeds/.seeded"
  fi
fi

for target in "${targets[@]}"; do
  corpus=build-fuzz/corpus-$target
  mkdir -p "$corpus"
  echo "fuzz: $target for ${seconds}s" >&2
  status=0
  max_len=4096
  [[ $target == parquet_read_fuzz ]] && max_len=32768  # whole small files
  (cd build-fuzz && "./tests/fuzz/$target" -max_total_time="$seconds" -max_len="$max_len" \
    -print_final_stats=1 "corpus-$target") >"build-fuzz/$target.log" 2>&1 || status=$?
  tail -n 12 "build-fuzz/$target.log" >&2
  if [[ $status -ne 0 ]]; then
    echo "fuzz: $target found a failure (exit $status); see build-fuzz/$target.log" >&2
    exit "$status"
  fi
done
