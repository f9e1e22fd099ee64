#pragma once
// One run of the simulation: a seed draws the job (its input, its
// partitions), the cluster (1-3 workers of 1-2 slots) and the faults, then
// drives the coordinator and workers in simulated time until the job has
// finished after the faults stopped, and checks the invariants
// (tests/sim/README.md). The same seed replays the same run exactly.

#include <cstdint>
#include <string>
#include <vector>

#include "tests/sim/sim_types.h"

namespace sluice::sim {

struct RunOptions {
  uint64_t seed = 0;
  bool trace = false;                      // record every event (RunResult::trace)
  PlantedBug planted = PlantedBug::kNone;  // the simulation's own test only
  std::string root;                        // a directory for the run's files (tmpfs is fastest)
  // Job files: by default the seed decides whether workers evict them
  // (one run in five); these force a case.
  bool evict_job_files = false;      // a worker evicts its job files at a third of its Tasks
  bool lose_first_job_file = false;  // the first Task carrying a job file is lost
};

struct RunResult {
  uint64_t seed = 0;
  std::vector<std::string> violations;  // empty: every invariant held
  std::string trace;
  std::string summary;  // partitions, workers, faults, what happened
  int64_t simulated_ms = 0;
  // What happened, to show the faults were there.
  int coordinator_crashes = 0, worker_crashes = 0, resubmissions = 0;
  uint64_t messages_dropped = 0;
  uint64_t speculative_tasks = 0;  // second attempts of stragglers
  bool cancelled = false;          // the user's cancel took effect (on one of the jobs)
  int jobs = 1;                    // submitted to the one coordinator
  int sorts = 0;                   // of them, global sorts and sorted aggregates
  int joins = 0;                   // and joins
  uint64_t job_file_refusals = 0;  // Tasks refused for want of their job's file
  bool ok() const { return violations.empty(); }
};

RunResult run_simulation(const RunOptions& options);

// A fresh directory for runs under $SIM_ROOT, /dev/shm or the temporary
// directory, named alike in every process (/proc/self/fd/N); removed by
// the caller with remove_run_root.
std::string make_run_root();
void remove_run_root(const std::string& root);

}  // namespace sluice::sim
