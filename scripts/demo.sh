#!/usr/bin/env bash
# The main job: installs what is missing, builds, generates 1M rows of
# synthetic NYC parking violations, runs the W1 example job through the real
# coordinator and 2 worker processes, verifies the output and shows its head.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${SLUICE_DEMO_ROWS:-1000000}

bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target sluice
mkdir -p data
if [[ ! -s data/parking.csv ]]; then
  echo "generating data/parking.csv ($rows rows)" >&2
  build/tools/sluice gen parking --rows "$rows" --seed 1 --out data/parking.csv
fi
build/tools/sluice run examples/w1-nj-ford-police.yaml --workers 2
build/tools/sluice verify out/w1/
echo "first rows of out/w1/part-00000.csv:"
head -n 6 out/w1/part-00000.csv
