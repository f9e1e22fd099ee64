// Exactly once under faults: a separately started coordinator and three
// workers run W1, a passthrough of every column, and W3 over generated rows
// with a small split, while workers and the coordinator are killed with
// SIGKILL, a worker is SIGSTOPped past its lease and resumed, and the jobs
// are submitted again after each coordinator restart. The output must be
// byte for byte the output of an undisturbed run and of the reference, with
// no row lost or duplicated. Seeded: replay with SLUICE_SEED=N.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <thread>

#include "common/base/limits.h"
#include "tests/chaos/chaos_fixture.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct FaultCounts {
  int worker_kills = 0;
  int coordinator_kills = 0;
  int worker_stops = 0;
  int resubmits = 0;
  int total() const { return worker_kills + coordinator_kills + worker_stops; }
};

class Chaos : public ChaosTest {
 protected:
  struct Settings {
    uint64_t rows;
    std::string split;
    int faults_max;
    int pause_ms_min;
    int pause_ms_max;
    int deadline_s;
  };

  void start_worker(size_t index) {
    workers_[index] = std::make_unique<Process>(
        std::vector<std::string>{sluice_binary(), "worker", "--coordinator",
                                 coordinator_->endpoint(), "--slots", "1"},
        dir_ / ("worker-" + std::to_string(index) + ".log"));
  }

  bool all_finished(const std::vector<ChaosJob>& jobs) {
    for (const ChaosJob& job : jobs) {
      if (!fs::exists(job.output + "/_SUCCESS")) return false;
    }
    return true;
  }

  // A job that failed ends the run early: its status says why.
  std::string failed_job_status() {
    if (!coordinator_->running()) return "";
    auto status = run({sluice_binary(), "status", "--coordinator", coordinator_->endpoint()});
    if (status.out.find(" failed ") != std::string::npos) return status.out;
    return "";
  }

  void run_chaos(const Settings& settings, const std::vector<std::string>& workloads,
                 const std::function<void(std::mt19937_64&, FaultCounts&)>& inject);
  void kill_worker(size_t victim, FaultCounts& faults);
  // Kills the coordinator, restarts it on the same port and state, and
  // submits one of the jobs again (idempotent: the same job, resumed).
  void kill_coordinator(std::mt19937_64& random, FaultCounts& faults);
  static void pause(std::mt19937_64& random, int low_ms, int high_ms) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(low_ms, high_ms)(random)));
  }

  std::unique_ptr<RestartableCoordinator> coordinator_;
  std::vector<std::unique_ptr<Process>> workers_;
  std::vector<ChaosJob>* jobs_ = nullptr;  // run_chaos's, while it runs
};

// One chaotic run: jobs over generated rows, their undisturbed runs, then a
// coordinator and 3 workers while `inject` adds faults every
// pause_ms_min..max until faults_max; then every job must be exact.
void Chaos::run_chaos(const Settings& settings, const std::vector<std::string>& workloads,
                      const std::function<void(std::mt19937_64&, FaultCounts&)>& inject) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  generate(settings.rows, seed % 100000 + 1, 0.002);
  std::vector<ChaosJob> jobs;
  for (const std::string& workload : workloads) {
    jobs.push_back(make_job(workload, dir_ / ("out-" + workload), settings.split));
  }
  // The undisturbed run the chaotic one must equal, byte for byte.
  for (const ChaosJob& job : jobs) {
    const std::string undisturbed_dir = dir_ / ("undisturbed-" + job.name);
    const std::string file = dir_ / ("undisturbed-" + job.name + ".yaml");
    std::string text = read_file(job.job_file);
    text.replace(text.find(job.output), job.output.size(), undisturbed_dir);
    write_file(file, text);
    auto result = run({sluice_binary(), "run", file, "--workers", "2", "--state",
                       dir_ / ("undisturbed-state-" + job.name), "--no-progress"},
                      dir_.path());
    ASSERT_EQ(result.exit_code, 0) << job.name << result.out << result.err;
    ASSERT_TRUE(concat_parts(undisturbed_dir) == job.expected)
        << job.name << ": an undisturbed run differs from the reference";
  }

  coordinator_ = std::make_unique<RestartableCoordinator>("127.0.0.1", dir_ / "state", dir_.path());
  ASSERT_TRUE(coordinator_->start()) << coordinator_->logs();
  workers_.resize(3);
  for (size_t i = 0; i < workers_.size(); ++i) start_worker(i);
  for (ChaosJob& job : jobs) {
    auto submitted = submit(job, coordinator_->endpoint(), false);
    ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
    job.id = submitted.out.substr(0, submitted.out.find('\n'));
  }
  jobs_ = &jobs;

  FaultCounts faults;
  std::string failure;
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::seconds(settings.deadline_s);
  while (!all_finished(jobs) && Clock::now() < deadline && failure.empty()) {
    pause(random, settings.pause_ms_min, settings.pause_ms_max);
    if (all_finished(jobs)) break;
    for (size_t i = 0; i < workers_.size(); ++i) {
      if (!workers_[i]->running()) {
        failure = "worker " + std::to_string(i) + " exited on its own with code " +
                  std::to_string(workers_[i]->wait());
      }
    }
    if (!coordinator_->running()) failure = "the coordinator exited on its own";
    if (!failure.empty()) break;
    failure = failed_job_status();
    if (!failure.empty() || faults.total() >= settings.faults_max) continue;
    inject(random, faults);
    if (::testing::Test::HasFatalFailure()) return;
  }
  ASSERT_TRUE(failure.empty()) << failure << "\n" << coordinator_->logs();

  // Each job once more with --wait: the same job, finished.
  for (const ChaosJob& job : jobs) {
    auto waited = submit(job, coordinator_->endpoint(), true);
    ASSERT_EQ(waited.exit_code, 0) << job.name << ": " << waited.out << waited.err;
    EXPECT_EQ(waited.out.substr(0, waited.out.find('\n')), job.id);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  uint64_t rows = 0, lost = 0, duplicated = 0;
  for (const ChaosJob& job : jobs) {
    const RowDiff diff = expect_exact(job);
    EXPECT_TRUE(concat_parts(job.output) == concat_parts(dir_ / ("undisturbed-" + job.name)))
        << job.name;
    EXPECT_FALSE(fs::exists(job.output + "/_temporary")) << job.name;
    rows += diff.actual;
    lost += diff.lost;
    duplicated += diff.duplicated;
  }
  const std::string logs = coordinator_->logs();
  size_t refused = 0;
  for (size_t at = logs.find("attempt refused"); at != std::string::npos;
       at = logs.find("attempt refused", at + 1)) {
    ++refused;
  }
  std::fprintf(stderr,
               "chaos: seed=%llu faults injected=%d (worker SIGKILL %d, coordinator SIGKILL %d, "
               "worker SIGSTOP past lease %d; resubmits %d) jobs=%zu failed jobs=0 input rows=%llu "
               "output rows compared=%llu rows lost=%llu rows duplicated=%llu attempts "
               "refused=%zu seconds=%.1f\n",
               static_cast<unsigned long long>(seed), faults.total(), faults.worker_kills,
               faults.coordinator_kills, faults.worker_stops, faults.resubmits, jobs.size(),
               static_cast<unsigned long long>(input_rows_), static_cast<unsigned long long>(rows),
               static_cast<unsigned long long>(lost), static_cast<unsigned long long>(duplicated),
               refused, seconds);
  RecordProperty("faults", faults.total());
  EXPECT_GT(faults.total(), 0) << "the jobs finished before any fault";
  jobs_ = nullptr;
}

void Chaos::kill_worker(size_t victim, FaultCounts& faults) {
  workers_[victim]->signal(SIGKILL);
  workers_[victim]->wait();
  faults.worker_kills++;
}

void Chaos::kill_coordinator(std::mt19937_64& random, FaultCounts& faults) {
  coordinator_->kill();
  faults.coordinator_kills++;
  pause(random, 0, 1500);
  ASSERT_TRUE(coordinator_->start()) << "restart on port " << coordinator_->port() << "\n"
                                     << coordinator_->logs();
  // Submitting again is idempotent: the same job, resumed.
  std::vector<ChaosJob>& jobs = *jobs_;
  ChaosJob& job = jobs[std::uniform_int_distribution<size_t>(0, jobs.size() - 1)(random)];
  auto again = submit(job, coordinator_->endpoint(), false);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.substr(0, again.out.find('\n')), job.id);
  faults.resubmits++;
}

TEST_F(Chaos, KilledAndStoppedProcessesLeaveExactOutput) {
  const Settings settings = long_tests() ? Settings{200000, "16KiB", 80, 300, 1500, 900}
                                         : Settings{20000, "8KiB", 6, 150, 700, 120};
  run_chaos(
      settings, {"w1", "passthrough", "w3"}, [&](std::mt19937_64& random, FaultCounts& faults) {
        const int kind = std::uniform_int_distribution<int>(0, 2)(random);
        const size_t victim = std::uniform_int_distribution<size_t>(0, workers_.size() - 1)(random);
        if (kind == 0) {
          kill_worker(victim, faults);
          pause(random, 0, 1000);
          start_worker(victim);
        } else if (kind == 1) {
          kill_coordinator(random, faults);
        } else {
          workers_[victim]->signal(SIGSTOP);
          faults.worker_stops++;
          pause(random, static_cast<int>(limits::kLeaseMs) + 300,
                static_cast<int>(limits::kLeaseMs) + 1500);
          workers_[victim]->signal(SIGCONT);
        }
      });
}

// Lost holders are not attempts (issue: 3 of 10 seeded runs failed with
// "partition N failed after 3 attempts: worker … lost its lease"): bursts of
// SIGKILLs of the same worker slot, each restarted at once and killed again
// within one lease, and kills of the coordinator, must leave every job
// finished and exact. Long: SLUICE_LONG_TESTS=1 (>= 100 faults, 5 jobs).
TEST_F(Chaos, BurstsOfKillsOfTheSameSlotFailNoJob) {
  const Settings settings = long_tests() ? Settings{200000, "16KiB", 120, 200, 800, 1500}
                                         : Settings{40000, "4KiB", 16, 100, 400, 180};
  const std::vector<std::string> workloads =
      long_tests() ? std::vector<std::string>{"w1", "passthrough", "w3", "w1-again", "w3-again"}
                   : std::vector<std::string>{"w1", "w3"};
  run_chaos(settings, workloads, [&](std::mt19937_64& random, FaultCounts& faults) {
    if (std::uniform_int_distribution<int>(0, 3)(random) == 0) {
      kill_coordinator(random, faults);
      return;
    }
    const size_t victim = std::uniform_int_distribution<size_t>(0, workers_.size() - 1)(random);
    const int kills = std::uniform_int_distribution<int>(2, 4)(random);
    for (int kill = 0; kill < kills; ++kill) {  // all within one lease
      kill_worker(victim, faults);
      start_worker(victim);
      pause(random, 100, 600);
    }
  });
}

}  // namespace
}  // namespace sluice::testing
