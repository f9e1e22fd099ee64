// Exactly once under faults: a separately started coordinator and three
// workers run W1, a passthrough of every column, W3 (an aggregate: two
// stages), W5 (a global sort) and W6 (a left join with generated
// registrations) over generated rows
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
  int coordinator_kills = 0;  // with those at a crash point:
  int publish_kills = 0;      // right after a part's rename (SLUICE_CRASH_AT=renamed:N)
  int manifest_kills = 0;     // _MANIFEST.json written, no _SUCCESS yet (manifest-written)
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
    int faults_min;  // fewer: the jobs finished too soon for the run to count
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
  // Starts the coordinator; with crash points on (arm_crash_points_) and
  // faults still to inject, it carries SLUICE_CRASH_AT=`armed_` and SIGKILLs
  // itself there: at a publish or at a manifest, moments a random kill
  // seldom hits. The point stays armed across random kills until it fires;
  // the restart after it fired arms the next one.
  void start_coordinator(bool arm, FaultCounts& faults);
  void restart_coordinator(std::mt19937_64& random, FaultCounts& faults, bool arm);
  // The coordinator SIGKILLed itself at its armed point: counted, restarted,
  // the next point armed.
  bool crashed_at_armed_point(std::mt19937_64& random, FaultCounts& faults, int faults_max);
  static void pause(std::mt19937_64& random, int low_ms, int high_ms) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(low_ms, high_ms)(random)));
  }

  bool arm_crash_points_ = false;
  std::string armed_;  // the running coordinator's SLUICE_CRASH_AT, or ""
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
  for (ChaosJob& job : jobs) {
    const std::string undisturbed_dir = dir_ / ("undisturbed-" + job.name);
    const std::string file = dir_ / ("undisturbed-" + job.name + ".yaml");
    std::string text = read_file(job.job_file);
    text.replace(text.find(job.output), job.output.size(), undisturbed_dir);
    write_file(file, text);
    auto result = run({sluice_binary(), "run", file, "--workers", "2", "--state",
                       dir_ / ("undisturbed-state-" + job.name), "--no-progress"},
                      dir_.path());
    ASSERT_EQ(result.exit_code, 0) << job.name << result.out << result.err;
    if (job.expected.empty()) {  // no reference of its own (w6): the undisturbed bytes
      job.expected = concat_parts(undisturbed_dir);
      ASSERT_EQ(csv_records(job.expected, true).size(), input_rows_)
          << job.name << ": a left join gives every ticket once";
    }
    ASSERT_TRUE(concat_parts(undisturbed_dir) == job.expected)
        << job.name << ": an undisturbed run differs from the reference";
  }

  coordinator_ = std::make_unique<RestartableCoordinator>("127.0.0.1", dir_ / "state", dir_.path());
  // The first armed point: the first manifest (a job's end).
  if (arm_crash_points_) armed_ = "manifest-written:1";
  FaultCounts faults;
  start_coordinator(arm_crash_points_, faults);
  if (::testing::Test::HasFatalFailure()) return;
  workers_.resize(3);
  for (size_t i = 0; i < workers_.size(); ++i) start_worker(i);
  for (ChaosJob& job : jobs) {
    auto submitted = submit(job, coordinator_->endpoint(), false);
    ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
    job.id = submitted.out.substr(0, submitted.out.find('\n'));
  }
  jobs_ = &jobs;

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
    if (!coordinator_->running() && !crashed_at_armed_point(random, faults, settings.faults_max)) {
      failure = "the coordinator exited on its own";
    }
    if (::testing::Test::HasFatalFailure()) return;
    if (!failure.empty()) break;
    failure = failed_job_status();
    if (!failure.empty() || faults.total() >= settings.faults_max) continue;
    inject(random, faults);
    if (::testing::Test::HasFatalFailure()) return;
  }
  if (!failure.empty()) {
    std::fprintf(stderr, "chaos: seed=%llu RUN FAILED after faults injected=%d jobs=%zu\n",
                 static_cast<unsigned long long>(seed), faults.total(), jobs.size());
  }
  ASSERT_TRUE(failure.empty()) << failure << "\n" << coordinator_->logs();
  // No armed point may fire while the jobs are waited for.
  if (!armed_.empty() && !all_finished(jobs)) {
    arm_crash_points_ = false;
    kill_coordinator(random, faults);
    if (::testing::Test::HasFatalFailure()) return;
  }

  // Each job once more with --wait: the same job, finished.
  int failed_jobs = 0;
  std::vector<bool> failed(jobs.size(), false);
  for (size_t i = 0; i < jobs.size(); ++i) {
    const ChaosJob& job = jobs[i];
    auto waited = submit(job, coordinator_->endpoint(), true);
    EXPECT_EQ(waited.exit_code, 0) << job.name << ": " << waited.out << waited.err;
    EXPECT_EQ(waited.out.substr(0, waited.out.find('\n')), job.id);
    if (waited.exit_code != 0) failed[i] = true;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  uint64_t rows = 0, lost = 0, duplicated = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const ChaosJob& job = jobs[i];
    if (failed[i]) {
      ++failed_jobs;
      continue;
    }
    const ::testing::TestResult* result =
        ::testing::UnitTest::GetInstance()->current_test_info()->result();
    const int parts_before = result->total_part_count();
    const RowDiff diff = expect_exact(job);  // also: no temporary left
    EXPECT_TRUE(concat_parts(job.output) == concat_parts(dir_ / ("undisturbed-" + job.name)))
        << job.name;
    if (result->total_part_count() != parts_before) ++failed_jobs;  // inexact
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
               "chaos: seed=%llu faults injected=%d (worker SIGKILL %d, coordinator SIGKILL %d of "
               "which at publish %d, at manifest %d; worker SIGSTOP past lease %d; resubmits %d) "
               "jobs=%zu failed jobs=%d input rows=%llu output rows compared=%llu rows lost=%llu "
               "rows duplicated=%llu attempts refused=%zu seconds=%.1f\n",
               static_cast<unsigned long long>(seed), faults.total(), faults.worker_kills,
               faults.coordinator_kills, faults.publish_kills, faults.manifest_kills,
               faults.worker_stops, faults.resubmits, jobs.size(), failed_jobs,
               static_cast<unsigned long long>(input_rows_), static_cast<unsigned long long>(rows),
               static_cast<unsigned long long>(lost), static_cast<unsigned long long>(duplicated),
               refused, seconds);
  RecordProperty("faults", faults.total());
  EXPECT_GT(faults.total(), 0) << "the jobs finished before any fault";
  EXPECT_GE(faults.total(), settings.faults_min) << "the jobs finished too soon";
  jobs_ = nullptr;
}

void Chaos::kill_worker(size_t victim, FaultCounts& faults) {
  workers_[victim]->signal(SIGKILL);
  workers_[victim]->wait();
  faults.worker_kills++;
}

void Chaos::start_coordinator(bool arm, FaultCounts& faults) {
  if (!arm) armed_.clear();
  if (!armed_.empty()) ::setenv("SLUICE_CRASH_AT", armed_.c_str(), 1);
  auto crashes = [&] {
    const std::string logs = coordinator_->logs();
    int count = 0;
    for (size_t at = logs.find("crash point reached"); at != std::string::npos;
         at = logs.find("crash point reached", at + 1)) {
      ++count;
    }
    return count;
  };
  const int crashes_before = crashes();
  bool started = coordinator_->start();
  ::unsetenv("SLUICE_CRASH_AT");  // the workers and the CLI run without it
  if (!started && !armed_.empty()) {
    // It reached its point again and again before it listened (publishes
    // redone as it recovers, before it listens): each was a SIGKILL there.
    // This incarnation runs unarmed; the next restart arms a point again.
    const int crashed = crashes() - crashes_before;
    std::fprintf(stderr,
                 "chaos: the coordinator armed with %s died there %d times as it started; "
                 "unarmed now\n",
                 armed_.c_str(), crashed);
    faults.coordinator_kills += crashed;
    (armed_.rfind("renamed", 0) == 0 ? faults.publish_kills : faults.manifest_kills) += crashed;
    armed_.clear();
    started = coordinator_->start();
  }
  ASSERT_TRUE(started) << "start on port " << coordinator_->port() << "\n" << coordinator_->logs();
}

bool Chaos::crashed_at_armed_point(std::mt19937_64& random, FaultCounts& faults, int faults_max) {
  if (armed_.empty()) return false;
  coordinator_->kill();  // reaps it
  if (read_file(coordinator_->log_path()).find("crash point reached") == std::string::npos) {
    return false;
  }
  faults.coordinator_kills++;
  (armed_.rfind("renamed", 0) == 0 ? faults.publish_kills : faults.manifest_kills)++;
  armed_.clear();  // the restart arms the next point, none once the faults are all injected
  restart_coordinator(random, faults, arm_crash_points_ && faults.total() < faults_max);
  return true;
}

void Chaos::kill_coordinator(std::mt19937_64& random, FaultCounts& faults) {
  coordinator_->kill();
  faults.coordinator_kills++;
  restart_coordinator(random, faults, arm_crash_points_);
}

void Chaos::restart_coordinator(std::mt19937_64& random, FaultCounts& faults, bool arm) {
  pause(random, 0, 1500);
  // The next point: a publish (the 1st to 8th of this incarnation) or the
  // next manifest.
  if (arm && armed_.empty()) {
    armed_ = std::uniform_int_distribution<int>(0, 2)(random) == 0
                 ? "manifest-written:1"
                 : "renamed:" + std::to_string(std::uniform_int_distribution<int>(1, 8)(random));
  }
  start_coordinator(arm, faults);
  if (::testing::Test::HasFatalFailure()) return;
  // Submitting again is idempotent: the same job, resumed.
  std::vector<ChaosJob>& jobs = *jobs_;
  ChaosJob& job = jobs[std::uniform_int_distribution<size_t>(0, jobs.size() - 1)(random)];
  auto again = submit(job, coordinator_->endpoint(), false);
  faults.resubmits++;
  // An armed point may fire at once (a publish redone at the restart): the
  // loop restarts it; this submit's answer may then be lost.
  if (again.exit_code != 0 && !armed_.empty() && !coordinator_->running()) return;
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.substr(0, again.out.find('\n')), job.id);
}

TEST_F(Chaos, KilledAndStoppedProcessesLeaveExactOutput) {
  const Settings settings = long_tests() ? Settings{200000, "16KiB", 80, 1, 300, 1500, 900}
                                         : Settings{20000, "8KiB", 6, 1, 150, 700, 120};
  run_chaos(settings, {"w1", "passthrough", "w3", "w5", "w6"},
            [&](std::mt19937_64& random, FaultCounts& faults) {
              const int kind = std::uniform_int_distribution<int>(0, 2)(random);
              const size_t victim =
                  std::uniform_int_distribution<size_t>(0, workers_.size() - 1)(random);
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
  const Settings settings = long_tests() ? Settings{200000, "16KiB", 120, 100, 200, 800, 1500}
                                         : Settings{40000, "4KiB", 16, 15, 100, 400, 180};
  const std::vector<std::string> workloads =
      long_tests() ? std::vector<std::string>{"w1", "passthrough", "w3", "w1-again", "w3-again"}
                   : std::vector<std::string>{"w1", "w3"};
  arm_crash_points_ = true;  // kills at a publish and at a manifest too
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
