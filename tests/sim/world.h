#pragma once
// What every simulated process sees: the clock, the random numbers, the
// network, the faults, the input, the job, and the trace of events.

#include <fmt/format.h>

#include <string>
#include <vector>

#include "common/base/clock.h"
#include "coordinator/records.h"
#include "tests/sim/network.h"
#include "tests/sim/sim_types.h"

namespace sluice::sim {

// One job of the run: its input, what it does, where its files are.
struct SimJob {
  Input input;
  Input right_input;  // a join's (right.csv)
  JobRecord job;      // as admitted: where its files go (its id is empty until then)
  JobKind kind = JobKind::kMapOnly;
  uint32_t buckets = 0;      // an exchange's bucket count (parallelism)
  bool speculative = false;  // the job file says speculative: true
  std::string dir;           // its input.csv, job.yaml and out/
};

struct World {
  FakeClock clock{0};
  Rng rng;
  // Draws about job files, apart from `rng`: a run without evictions or a
  // lost job file is the run it was before workers cached job files.
  Rng job_files_rng;
  // Draws about the run's further jobs, apart from `rng` too: a run of one
  // job is the run it was before runs had several.
  Rng jobs_rng;
  uint64_t job_file_refusals = 0;    // Tasks workers refused for want of their job's file
  bool first_job_file_lost = false;  // Faults::lose_first_job_file: done
  Faults faults;
  Network network;
  // The run's jobs (one to three): the first submitted at the start.
  std::vector<SimJob> jobs;
  uint64_t speculative_tasks = 0;          // second attempts of stragglers sent
  PlantedBug planted = PlantedBug::kNone;  // the simulation's own test only
  bool tracing = false;
  std::string trace;  // "t=<ms> <event>\n" lines, when tracing

  explicit World(uint64_t seed)
      : rng(seed),
        job_files_rng(seed ^ 0x6a6f6266696c6573ULL),
        jobs_rng(seed ^ 0x736576657261ULL),
        network(rng, faults) {}
  int64_t now_ms() const { return clock.now_ms(); }
  bool faulty() const { return now_ms() < faults.faults_until_ms; }
  // The job of `job_id` (admitted), or null.
  const SimJob* job_of(const std::string& job_id) const {
    for (const SimJob& job : jobs) {
      if (!job.job.id.empty() && job.job.id == job_id) return &job;
    }
    return nullptr;
  }
  // "3#2" (partition 3, attempt 2); in a run of several jobs "j1:3#2".
  std::string attempt_name(const AttemptRef& attempt) const {
    std::string job;
    for (size_t i = 0; i < jobs.size() && jobs.size() > 1; ++i) {
      if (!attempt.job_id.empty() && jobs[i].job.id == attempt.job_id) job = fmt::format("j{}:", i);
    }
    return fmt::format("{}{}#{}", job, attempt.partition, attempt.attempt);
  }

  template <typename... Args>
  void note(fmt::format_string<Args...> format, Args&&... args) {
    if (!tracing) return;
    trace += fmt::format("t={} ", now_ms());
    trace += fmt::format(format, std::forward<Args>(args)...);
    trace += '\n';
  }
};

}  // namespace sluice::sim
