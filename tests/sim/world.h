#pragma once
// What every simulated process sees: the clock, the random numbers, the
// network, the faults, the input, the job, and the trace of events.

#include <fmt/format.h>

#include <string>

#include "common/base/clock.h"
#include "coordinator/records.h"
#include "tests/sim/network.h"
#include "tests/sim/sim_types.h"

namespace sluice::sim {

struct World {
  FakeClock clock{0};
  Rng rng;
  // Draws about job files, apart from `rng`: a run without evictions or a
  // lost job file is the run it was before workers cached job files.
  Rng job_files_rng;
  uint64_t job_file_refusals = 0;    // Tasks workers refused for want of their job's file
  bool first_job_file_lost = false;  // Faults::lose_first_job_file: done
  Faults faults;
  Network network;
  Input input;
  JobRecord job;  // as admitted: where its files go
  JobKind kind = JobKind::kMapOnly;
  uint32_t buckets = 0;            // an exchange's bucket count (parallelism)
  bool speculative = false;        // the job file says speculative: true
  uint64_t speculative_tasks = 0;  // second attempts of stragglers sent
  bool tracing = false;
  std::string trace;  // "t=<ms> <event>\n" lines, when tracing

  explicit World(uint64_t seed)
      : rng(seed), job_files_rng(seed ^ 0x6a6f6266696c6573ULL), network(rng, faults) {}
  int64_t now_ms() const { return clock.now_ms(); }
  bool faulty() const { return now_ms() < faults.faults_until_ms; }

  template <typename... Args>
  void note(fmt::format_string<Args...> format, Args&&... args) {
    if (!tracing) return;
    trace += fmt::format("t={} ", now_ms());
    trace += fmt::format(format, std::forward<Args>(args)...);
    trace += '\n';
  }
};

}  // namespace sluice::sim
