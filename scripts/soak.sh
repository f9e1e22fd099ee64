#!/usr/bin/env bash
# The soak (issue 20, point 8): the long chaos runs and repeated power cuts,
# outside the default ctest. Every run gets its own seed, derived from one
# master seed and printed; the last line sums them all up.
#
#   scripts/soak.sh [BUILD_DIR]          # default: build
#
#   SOAK_SEED=N          master seed (default: from the clock); replays the whole soak
#   SOAK_CHAOS_ROUNDS=N  rounds of the two long chaos tests (default 1)
#   SOAK_POWER_CUTS=N    power-cut runs (default 20; needs root, loop devices, xfs_io)
#   SOAK_LOG=FILE        the full output (default: a new file under /tmp)
#
# Per round: SLUICE_LONG_TESTS=1 chaos_test, each test with its own seed:
# Chaos.KilledAndStoppedProcessesLeaveExactOutput (up to 80 faults, 3 jobs)
# and Chaos.BurstsOfKillsOfTheSameSlotFailNoJob (>= 100 SIGKILLs over 5
# jobs: bursts of 2-4 kills of the same slot within a lease, coordinator
# kills, kills at a publish and at a manifest). Then SOAK_POWER_CUTS runs of
# SLUICE_LONG_TESTS=1 power_cut_test, each cutting the power once. A
# skipped power cut counts as a failed run. Exit status 0 only when every run
# passed, no job failed, and no row was lost or duplicated.
set -u
build_dir=${1:-build}
chaos_rounds=${SOAK_CHAOS_ROUNDS:-1}
power_cuts=${SOAK_POWER_CUTS:-20}
master_seed=${SOAK_SEED:-$(($(date +%s%N) % 1000000007))}
log=${SOAK_LOG:-$(mktemp /tmp/sluice-soak.XXXXXX.log)}
: >"$log"

for binary in tests/chaos_test tests/power_cut_test tools/sluice; do
  if [[ ! -x $build_dir/$binary ]]; then
    echo "soak: $build_dir/$binary missing (cmake --build $build_dir)" >&2
    exit 2
  fi
done
# The binaries are copied first: a rebuild during the soak does not mix versions.
bin_dir=$(mktemp -d /tmp/sluice-soak-bin.XXXXXX)
trap 'rm -rf "$bin_dir"' EXIT
cp "$build_dir/tests/chaos_test" "$build_dir/tests/power_cut_test" "$build_dir/tools/sluice" "$bin_dir/"
export SLUICE_BINARY=$bin_dir/sluice
source_dir=$(cd "$(dirname "$0")/.." && pwd)
export SLUICE_SOURCE_DIR=${SLUICE_SOURCE_DIR:-$source_dir}

say() { echo "$@" | tee -a "$log"; }
run_index=0
failed_runs=0
next_seed() { echo $(((master_seed + 7919 * run_index) % 1000000007)); }

# run NAME BINARY [GTEST ARGS]: one run, with the next seed; its output goes
# to the terminal and the log, marked so that the summary can tell the runs apart.
run() {
  local name=$1 binary=$2
  shift 2
  local seed
  seed=$(next_seed)
  run_index=$((run_index + 1))
  say "soak: run $run_index $name seed=$seed"
  SLUICE_LONG_TESTS=1 SLUICE_SEED=$seed "$bin_dir/$binary" "$@" 2>&1 | tee -a "$log"
  local code=${PIPESTATUS[0]}
  if [[ $code -ne 0 ]] || tail -n 40 "$log" | grep -q '\[  SKIPPED \]'; then
    failed_runs=$((failed_runs + 1))
    say "soak: FAILED: run $run_index $name seed=$seed (exit $code)"
  fi
  say "soak: end of run $run_index"
}

started=$(date +%s)
say "soak: master seed=$master_seed (replay: SOAK_SEED=$master_seed scripts/soak.sh), log $log"
say "soak: source $(git -C "$source_dir" rev-parse --short HEAD 2>/dev/null)$(git -C "$source_dir" diff --quiet HEAD 2>/dev/null || echo ' (working tree modified)'), binaries of $(date -r "$build_dir/tools/sluice" -u '+%F %TZ')"
for ((round = 1; round <= chaos_rounds; round++)); do
  run chaos-killed-and-stopped chaos_test --gtest_filter=Chaos.KilledAndStoppedProcessesLeaveExactOutput
  run chaos-bursts chaos_test --gtest_filter=Chaos.BurstsOfKillsOfTheSameSlotFailNoJob
done
for ((cut = 1; cut <= power_cuts; cut++)); do
  run power-cut power_cut_test
done
seconds=$(($(date +%s) - started))

summary=$(mktemp)
python3 - "$log" "$master_seed" "$seconds" "$failed_runs" "$power_cuts" >"$summary" <<'EOF'
import re, sys
log, master_seed, seconds, failed_runs, power_cuts_wanted = sys.argv[1:]
t = dict(faults=0, worker_kills=0, coordinator_kills=0, publish=0, manifest=0, stops=0,
         jobs=0, failed=0, lost=0, duplicated=0, cuts=0)
seeds = []
runs = re.split(r"^soak: run \d+ ", open(log, errors="replace").read(), flags=re.M)[1:]
for text in runs:
    name, seed = re.match(r"(\S+) seed=(\d+)", text).groups()
    seeds.append(seed)
    m = re.search(r"^chaos: seed=\d+ faults injected=(\d+) \(worker SIGKILL (\d+), coordinator "
                  r"SIGKILL (\d+) of which at publish (\d+), at manifest (\d+); worker SIGSTOP "
                  r"past lease (\d+);.*? jobs=(\d+) failed jobs=(\d+) .*?rows lost=(\d+) rows "
                  r"duplicated=(\d+)", text, re.M)
    p = re.search(r"^power cut: seed=\d+ .*?power cuts=(\d+) jobs=(\d+) failed jobs=(\d+) "
                  r"rows=\d+ rows lost=(\d+) rows duplicated=(\d+)", text, re.M)
    if m:
        v = [int(x) for x in m.groups()]
        for key, value in zip(["faults", "worker_kills", "coordinator_kills", "publish",
                               "manifest", "stops", "jobs", "failed", "lost", "duplicated"], v):
            t[key] += value
    elif p:
        v = [int(x) for x in p.groups()]
        for key, value in zip(["cuts", "jobs", "failed", "lost", "duplicated"], v):
            t[key] += value
    else:
        # No figures line: the run stopped early. Its jobs count as failed.
        jobs = 1
        f = re.search(r"RUN FAILED .*?jobs=(\d+)", text)
        if f: jobs = int(f.group(1))
        elif name.startswith("chaos-bursts"): jobs = 5
        elif name.startswith("chaos"): jobs = 3
        t["jobs"] += jobs
        t["failed"] += jobs
        m2 = re.search(r"RUN FAILED after faults injected=(\d+)", text)
        if m2: t["faults"] += int(m2.group(1))
        if name == "power-cut" and re.search(r"power cuts=1", text): t["cuts"] += 1
ok = (int(failed_runs) == 0 and t["failed"] == 0 and t["lost"] == 0 and t["duplicated"] == 0
      and t["cuts"] >= int(power_cuts_wanted))
print(f"soak: {'PASSED' if ok else 'FAILED'} master seed={master_seed} faults={t['faults']} "
      f"(worker SIGKILL {t['worker_kills']}, coordinator SIGKILL {t['coordinator_kills']} of which "
      f"at publish {t['publish']}, at manifest {t['manifest']}; worker SIGSTOP {t['stops']}) "
      f"power cuts={t['cuts']} jobs={t['jobs']} failed jobs={t['failed']} rows lost={t['lost']} "
      f"rows duplicated={t['duplicated']} failed runs={failed_runs} seconds={seconds}")
print("soak: seeds " + " ".join(seeds))
sys.exit(0 if ok else 1)
EOF
code=$?
tee -a "$log" <"$summary"
rm -f "$summary"
exit $code
