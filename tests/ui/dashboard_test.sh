#!/usr/bin/env bash
# The dashboard as a person sees it: a coordinator with --http runs a job
# (a few seconds long, with schema rejects), headless Chromium loads "/" and
# runs its JavaScript; the test checks the rendered page lists the job as
# succeeded with its partitions and rows, shows its partition grid (one
# published cell per partition), the throughput and memory charts' SVG paths
# and a reject reason, and that the screenshot is a real picture (many
# colours, the expected size).
# Usage: tests/ui/dashboard_test.sh SLUICE_BINARY [SCREENSHOT.png]
set -euo pipefail
sluice=$(realpath "${1:?usage: dashboard_test.sh SLUICE_BINARY [SCREENSHOT.png]}")
screenshot=${2:-}
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
  echo "dashboard: FAILED: chromium is not installed (scripts/setup.sh --test installs it)" >&2
  exit 1
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$sluice" gen parking --rows 3000 --seed 11 --out "$work/parking.csv"
cat > "$work/job.yaml" <<YAML
name: dashboard-check
input: {path: $work/parking.csv, split_size: 32KiB}
schema:
  on_error: reject
  columns:
    Violation Code: {type: int32, min: 1, max: 90}
steps:
  - filter: "\"Registration State\" = 'NJ'"
  - exec: {command: [sh, -c, 'sleep 0.4; cat'], timeout: 30s}
output: {path: $work/out/}
YAML

"$sluice" coordinator --listen tcp://127.0.0.1:0 --state "$work/state" --http 127.0.0.1:0 \
  2> "$work/coordinator.log" &
pids+=($!)
for _ in $(seq 100); do
  grep -q "http port" "$work/coordinator.log" && break
  sleep 0.1
done
endpoint=$(grep -o -- '--coordinator tcp://[0-9.:]*' "$work/coordinator.log" | head -1 | cut -d' ' -f2)
port=$(grep -o 'http port [0-9]*' "$work/coordinator.log" | head -1 | awk '{print $3}')
[[ -n "$endpoint" && -n "$port" ]] || { echo "dashboard: FAILED: coordinator did not start" >&2; cat "$work/coordinator.log" >&2; exit 1; }

"$sluice" worker --coordinator "$endpoint" --slots 2 2> "$work/worker.log" &  # the job lasts a few s
pids+=($!)
"$sluice" submit "$work/job.yaml" --coordinator "$endpoint" --wait --no-progress > "$work/submit.out"
job_id=$(head -1 "$work/submit.out")
sleep 1.5  # one snapshot period of the status board, and a few memory samples
api() { python3 -c 'import sys,urllib.request;print(urllib.request.urlopen(sys.argv[1]).read().decode())' "http://127.0.0.1:$port$1"; }
api "/api/jobs/$job_id" > "$work/job.json"
api "/api/jobs/$job_id/rejects" > "$work/rejects.json"

chrome_flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$work/chrome" --virtual-time-budget=4000 --window-size=1200,1100)
"$browser" "${chrome_flags[@]}" --dump-dom "http://127.0.0.1:$port/" > "$work/dom.html" 2> "$work/chrome.log"
for expected in "$job_id" "dashboard-check" "succeeded" "3000" "1 jobs, 1 workers connected"; do
  if ! grep -q -- "$expected" "$work/dom.html"; then
    echo "dashboard: FAILED: the rendered page does not show '$expected'" >&2
    exit 1
  fi
done
# The grid, the charts and the rejects, against what the API says.
python3 - "$work/dom.html" "$work/job.json" "$work/rejects.json" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1]).read()
job = json.load(open(sys.argv[2]))
rejects = json.load(open(sys.argv[3]))
def fail(message):
    sys.exit(f'dashboard: FAILED: {message}')
grid = job['partitions']
if grid['total'] < 5 or grid['cells'] != '4' * grid['total']:
    fail(f'the job should have several published partitions, API says {grid}')
cells = re.findall(r'<div class="cell (s\d) g-r"', dom)
if len(cells) != grid['total'] or set(cells) != {'s4'}:
    fail(f'grid shows {len(cells)} cells {sorted(set(cells))}, want {grid["total"]} published (s4)')
if len(job['samples']['t_ms']) < 3:
    fail(f'too few samples for a chart: {job["samples"]}')
for chart in ('id="rate-rows"', 'id="rate-mb"', 'class="line mem-line"'):
    match = re.search(r'<path [^>]*' + re.escape(chart) + r'[^>]*>', dom) or \
        re.search(r'<path [^>]*d="M[^"]*L[^"]*"[^>]*' + re.escape(chart), dom)
    if not match or ' L' not in match.group(0):
        fail(f'no drawn SVG path {chart} in the page')
if job['rows_rejected'] == 0 or not rejects['rejects']:
    fail(f'the job should have rejects: {rejects}')
reason = rejects['rejects'][0]['reason']
if f'<td class="reason">{html.escape(reason, quote=False)}</td>' not in dom:
    fail(f'the reject reason {reason!r} is not on the page')
print(f'dashboard: {len(cells)} grid cells, charts drawn, reject reason {reason!r} shown')
PY

"$browser" "${chrome_flags[@]}" --screenshot="$work/dashboard.png" "http://127.0.0.1:$port/" \
  2>> "$work/chrome.log"
python3 - "$work/dashboard.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, width, height = 8, b'', 0, 0
while pos < len(data):
    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b'IHDR':
        width, height, depth, colour = struct.unpack('>IIBB', body[:10])
        assert depth == 8 and colour in (2, 6), f'unexpected PNG format {depth}/{colour}'
        channels = 3 if colour == 2 else 4
    elif kind == b'IDAT':
        idat += body
    pos += 12 + length
assert (width, height) == (1200, 1100), f'screenshot is {width}x{height}'
raw = zlib.decompress(idat)
stride = width * channels + 1
colours = set()
for row in range(0, height, 7):
    line = raw[row * stride + 1:(row + 1) * stride]  # filtered bytes: enough to tell blank from drawn
    colours.update(line[i:i + 3] for i in range(0, len(line), channels * 13))
assert len(colours) > 20, f'the screenshot looks blank ({len(colours)} colours)'
print(f'dashboard: screenshot {width}x{height}, {len(colours)} sampled colours')
PY
if [[ -n "$screenshot" ]]; then cp "$work/dashboard.png" "$screenshot"; fi
echo "dashboard: OK (job $job_id rendered as succeeded in headless Chromium)"
