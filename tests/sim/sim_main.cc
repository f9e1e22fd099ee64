// sim_run: runs the deterministic simulation from the command line.
//   sim_run [--seeds N] [--from S]      seeds S .. S+N-1 (default 1000 from 1)
//   sim_run --seed N --trace            one seed, every event printed
//   SIM_SEED=N sim_run --trace          the same
//   --evict-job-files, --lose-first-job-file   force a job-file case (RunOptions)
// Exit status 1 when a seed broke an invariant; each such seed is printed.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "tests/sim/simulation.h"

int main(int argc, char** argv) {
  using namespace sluice::sim;
  uint64_t from = 1, count = 1000;
  bool trace = false, evict_job_files = false, lose_first_job_file = false;
  PlantedBug planted = PlantedBug::kNone;
  if (const char* seed = std::getenv("SIM_SEED")) {
    from = std::strtoull(seed, nullptr, 10);
    count = 1;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--trace") {
      trace = true;
    } else if (arg == "--evict-job-files") {
      evict_job_files = true;
    } else if (arg == "--lose-first-job-file") {
      lose_first_job_file = true;
    } else if (arg == "--seed" && has_value) {
      from = std::strtoull(argv[++i], nullptr, 10);
      count = 1;
    } else if (arg == "--from" && has_value) {
      from = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--seeds" && has_value) {
      count = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--planted" && has_value) {
      const std::string bug = argv[++i];
      planted = bug == "fsync-lies"                      ? PlantedBug::kFsyncLies
                : bug == "done-without-lease"            ? PlantedBug::kAcceptDoneWithoutLease
                : bug == "publish-before-sync"           ? PlantedBug::kPublishBeforeSync
                : bug == "lost-map-output-forgotten"     ? PlantedBug::kLostMapOutputForgotten
                : bug == "late-done-of-cancelled-job"    ? PlantedBug::kLateDoneOfCancelledJob
                : bug == "publish-before-directory-sync" ? PlantedBug::kPublishBeforeDirectorySync
                : bug == "sort-ranges-overlap"           ? PlantedBug::kSortRangesOverlap
                : bug == "join-misses-a-map-output"      ? PlantedBug::kJoinMissesAMapOutput
                                                         : PlantedBug::kNone;
    } else {
      std::fprintf(
          stderr,
          "usage: sim_run [--seed N | --from S --seeds N] [--trace] "
          "[--evict-job-files] [--lose-first-job-file] "
          "[--planted fsync-lies|done-without-lease|publish-before-sync|\n"
          "lost-map-output-forgotten|late-done-of-cancelled-job|"
          "publish-before-directory-sync|\nsort-ranges-overlap|join-misses-a-map-output]\n");
      return 2;
    }
  }
  const std::string root = make_run_root();
  const auto started = std::chrono::steady_clock::now();
  uint64_t failed = 0;
  for (uint64_t seed = from; seed < from + count; ++seed) {
    RunOptions options{seed, trace, planted, root};
    options.evict_job_files = evict_job_files;
    options.lose_first_job_file = lose_first_job_file;
    RunResult result = run_simulation(options);
    if (trace) std::fputs(result.trace.c_str(), stdout);
    if (count == 1 || !result.ok())
      std::printf("seed %llu: %s\n", static_cast<unsigned long long>(seed), result.summary.c_str());
    for (const std::string& violation : result.violations) {
      std::printf("seed %llu VIOLATION %s\n", static_cast<unsigned long long>(seed),
                  violation.c_str());
    }
    if (!result.ok()) {
      failed++;
      std::printf("replay: SIM_SEED=%llu %s --trace%s%s\n", static_cast<unsigned long long>(seed),
                  argv[0], evict_job_files ? " --evict-job-files" : "",
                  lose_first_job_file ? " --lose-first-job-file" : "");
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%llu seeds from %llu, %llu failed, %.2f s\n", static_cast<unsigned long long>(count),
              static_cast<unsigned long long>(from), static_cast<unsigned long long>(failed),
              seconds);
  remove_run_root(root);
  return failed == 0 ? 0 : 1;
}
