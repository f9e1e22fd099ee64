#include "tests/sim/simulation.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "common/base/crash_point.h"
#include "common/base/log.h"
#include "coordinator/ledger.h"
#include "coordinator/output_paths.h"
#include "coordinator/planted_bugs.h"
#include "tests/sim/invariants.h"
#include "tests/sim/sim_coordinator.h"
#include "tests/sim/sim_executor.h"
#include "tests/sim/sim_filesystem.h"
#include "tests/sim/sim_jobs.h"
#include "tests/sim/sim_worker.h"

namespace sluice::sim {
namespace {

namespace fs = std::filesystem;

constexpr int kRunRootFd = 987;  // make_run_root
constexpr int64_t kStepMs = 10;
constexpr int64_t kEpochUnix = 1'700'000'000;  // simulated time 0, for created_unix
constexpr int64_t kCoordinatorTickMs = 50;     // limits::kCoordinatorTickMs
constexpr int64_t kSettleMsMax = 180'000;      // after the faults: the job must finish by then

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A job of the run as the simulation drives it (World::jobs, the same index).
struct JobRun {
  std::string yaml;
  int64_t submit_at_ms = 0;
  bool submitted = false;  // the coordinator knows it
  bool cancelled = false;  // the user's cancel took effect: it ended cancelled
  int resubmissions = 0;
  std::set<std::string> parts_checked;  // at renames into place
};

// An input file, with a fixed modification time: the job id is the same
// in every replay.
void write_input(const std::string& path, const std::string& text) {
  write_text(path, text);
  std::error_code ignored;
  fs::last_write_time(path, fs::file_time_type(std::chrono::seconds(1)), ignored);
}

class Simulation;
thread_local Simulation* g_current = nullptr;

class Simulation {
 public:
  explicit Simulation(const RunOptions& options)
      : options_(options),
        world_(options.seed),
        disk_(std::make_shared<MemoryDisk>()),
        real_dir_(fs::weakly_canonical(options.root).string() + "/s" +
                  std::to_string(options.seed)),
        dir_(real_dir_),
        files_(real_dir_ + ".unsynced") {
    world_.tracing = options.trace;
    g_current = this;
    set_crash_point_hook(&Simulation::on_crash_point);
    world_.planted = options.planted;
    disk_->set_fsync_lies(options.planted == PlantedBug::kFsyncLies);
    planted_bugs().accept_done_without_lease =
        options.planted == PlantedBug::kAcceptDoneWithoutLease;
    planted_bugs().publish_before_sync = options.planted == PlantedBug::kPublishBeforeSync;
    planted_bugs().lost_map_output_forgotten =
        options.planted == PlantedBug::kLostMapOutputForgotten;
    planted_bugs().late_done_of_stopped_job =
        options.planted == PlantedBug::kLateDoneOfCancelledJob;
    planted_bugs().publish_before_directory_sync =
        options.planted == PlantedBug::kPublishBeforeDirectorySync;
  }

  ~Simulation() {
    set_crash_point_hook(nullptr);
    g_current = nullptr;
    planted_bugs() = PlantedBugs{};
    std::error_code ignored;
    fs::remove_all(real_dir_, ignored);
    fs::remove_all(real_dir_ + ".unsynced", ignored);
  }

  RunResult run() {
    RunResult result;
    result.seed = options_.seed;
    Status status = set_up();
    if (!status.is_ok()) {
      violation("set-up failed: " + status.to_string());
    } else {
      drive();
      if (coordinator_->up()) coordinator_->shut_down();
      if (coordinator_->up()) check_jobs();
    }
    result.violations = std::move(violations_);
    result.trace = std::move(world_.trace);
    result.simulated_ms = world_.now_ms();
    result.coordinator_crashes = coordinator_crashes_;
    result.worker_crashes = worker_crashes_;
    for (const JobRun& run : runs_) {
      result.resubmissions += run.resubmissions;
      result.cancelled = result.cancelled || run.cancelled;
    }
    result.jobs = static_cast<int>(world_.jobs.size());
    for (const SimJob& job : world_.jobs) {
      const bool sorts = job.kind == JobKind::kSort || job.kind == JobKind::kSortedAggregate;
      result.sorts += sorts ? 1 : 0;
      result.joins += job.kind == JobKind::kJoin ? 1 : 0;
    }
    result.messages_dropped = world_.network.dropped();
    result.speculative_tasks = world_.speculative_tasks;
    result.job_file_refusals = world_.job_file_refusals;
    result.summary = fmt::format(
        "job={} workers={} faults_until_ms={} drop={}% duplicate={}% "
        "delay_ms_max={} coordinator_crashes={} worker_crashes={} resubmissions={} "
        "speculative_tasks={} job_file_refusals={} simulated_ms={}",
        describe_jobs(), workers_.size(), world_.faults.faults_until_ms,
        world_.faults.drop_per_million / 10'000, world_.faults.duplicate_per_million / 10'000,
        world_.faults.delay_ms_max, coordinator_crashes_, worker_crashes_, result.resubmissions,
        world_.speculative_tasks, world_.job_file_refusals, world_.now_ms());
    return result;
  }

  void violation(std::string text) {
    world_.note("VIOLATION {}", text);
    violations_.push_back(std::move(text));
  }

  // Each job's invariants (invariants.h), its violations named by its
  // index when the run has several.
  void check_jobs() {
    for (size_t i = 0; i < world_.jobs.size(); ++i) {
      const SimJob& job = world_.jobs[i];
      if (!runs_[i].submitted) continue;  // the run failed before it: reported
      std::vector<std::string> found;
      if (runs_[i].cancelled) {
        check_cancelled(job.job, *coordinator_->scheduler(), *disk_, job.dir, found);
      } else {
        check_final(job, *coordinator_->scheduler(), *disk_, found);
      }
      for (std::string& text : found) violation(job_prefix(i) + text);
    }
  }

  std::string job_prefix(size_t index) const {
    return world_.jobs.size() > 1 ? fmt::format("job {}: ", index) : std::string();
  }

  // "map-only partitions=3", then the other jobs' ("+ aggregate partitions=5 at 1200ms").
  std::string describe_jobs() const {
    std::string text;
    for (size_t i = 0; i < world_.jobs.size(); ++i) {
      const SimJob& job = world_.jobs[i];
      if (i > 0) text += fmt::format(" + ");
      text += fmt::format("{}{}{} partitions={}", job_kind_name(job.kind),
                          runs_[i].cancelled ? " cancelled" : "",
                          job.input.poison != SIZE_MAX ? " poison" : "", job.job.partitions_total);
      if (i > 0) text += fmt::format(" at {}ms", runs_[i].submit_at_ms);
    }
    return text;
  }

 private:
  static void on_crash_point(const char* name) {
    if (g_current != nullptr) g_current->at_crash_point(name);
  }

  void at_crash_point(const char* name) {
    // Every rename into place: its commit must be durable by now.
    if (std::string_view(name) == "renamed") {
      for (size_t i = 0; i < world_.jobs.size(); ++i) {
        JobRun& run = runs_[i];
        if (!run.submitted) continue;
        const SimJob& job = world_.jobs[i];
        std::vector<std::string> found;
        const size_t renamed =
            check_published_parts(job.job, *disk_, job.dir, run.parts_checked, found);
        if (run.cancelled && renamed > 0)
          found.push_back("a part was renamed into place after the job was cancelled");
        for (std::string& text : found) violation(job_prefix(i) + text);
      }
    }
    if (armed_ && world_.faulty() && world_.rng.chance(world_.faults.crash_point_per_million)) {
      throw SimulatedCrash{name};
    }
  }

  Status set_up() {
    Rng& rng = world_.rng;
    const auto partitions = static_cast<uint32_t>(rng.between(1, 8));
    world_.jobs.emplace_back().input = make_input(rng, partitions);
    world_.faults = draw_faults(rng);
    draw_job_file_cases();
    choose_job(rng);
    draw_further_jobs();
    draw_sorts();
    runs_.resize(world_.jobs.size());
    // Several jobs: their directories named as in every process (job ids
    // hash them, and a restarted coordinator takes its jobs in id order:
    // make_run_root); one job: the real path, cheaper to reach.
    if (world_.jobs.size() > 1) dir_ = options_.root + "/s" + std::to_string(options_.seed);
    std::error_code error;
    fs::remove_all(real_dir_, error);
    for (size_t i = 0; i < world_.jobs.size(); ++i) {
      SimJob& job = world_.jobs[i];
      job.dir = fmt::format("{}/j{}", dir_, i);
      fs::create_directories(job.dir, error);
      if (error) return io_error("cannot create " + job.dir + ": " + error.message());
      write_input(job.dir + "/input.csv", job.input.text);
      if (job.kind == JobKind::kJoin) write_input(job.dir + "/right.csv", job.right_input.text);
      runs_[i].yaml = job_yaml(job);
      write_text(job.dir + "/job.yaml", runs_[i].yaml);
    }
    coordinator_ = std::make_unique<SimCoordinator>(world_, disk_, files_, effects_);
    SLUICE_RETURN_IF_ERROR(coordinator_->start());
    SLUICE_RETURN_IF_ERROR(submit(0));
    runs_[0].submitted = true;
    const auto workers = rng.between(1, 3);
    for (int64_t i = 0; i < workers; ++i) {
      workers_.push_back(
          std::make_unique<SimWorker>(world_, static_cast<int>(i), rng.between(1, 2)));
    }
    return Status::ok();
  }

  // What the first job does (sim_types.h JobKind) and the faults that go with it.
  void choose_job(Rng& rng) {
    SimJob& job = world_.jobs.front();
    draw_job_kind(rng, job);
    if (job.kind == JobKind::kAggregate && world_.faults.faults_until_ms > 0)
      world_.faults.map_output_loss_per_million = static_cast<uint32_t>(rng.below(10'000));
    draw_poison(rng, job);
    // One seed in three: stragglers get a second attempt.
    job.speculative = rng.chance(330'000);
    // One seed in six: the user cancels the job, while the faults last.
    if (rng.chance(170'000))
      cancel_at_ms_ = rng.between(0, std::max<int64_t>(world_.faults.faults_until_ms, 2'000));
  }

  // One map-only job in four: a record kills every worker that processes
  // it, until the quarantine pins it (a reject).
  static void draw_poison(Rng& rng, SimJob& job) {
    if (job.kind == JobKind::kMapOnly && !job.input.ids.empty() && rng.chance(250'000)) {
      job.input.poison = rng.below(job.input.ids.size());
      job.input.rejected[job.input.poison] = false;
    }
  }

  // One run in four has two or three jobs on the one coordinator, the
  // further ones submitted later (drawn apart from `rng`: World::jobs_rng);
  // a cancel picks one of them.
  void draw_further_jobs() {
    Rng& side = world_.jobs_rng;
    if (!side.chance(250'000)) return;
    const auto count = static_cast<size_t>(side.between(2, 3));
    const int64_t latest = std::max<int64_t>(world_.faults.faults_until_ms, 2'000);
    for (size_t i = 1; i < count; ++i) {
      SimJob& job = world_.jobs.emplace_back();
      job.input = make_input(side, static_cast<uint32_t>(side.between(1, 8)));
      draw_job_kind(side, job);
      draw_poison(side, job);
      job.speculative = side.chance(330'000);
    }
    runs_.resize(count);
    for (size_t i = 1; i < count; ++i) runs_[i].submit_at_ms = side.between(0, latest);
    if (cancel_at_ms_ >= 0) cancel_job_ = side.below(count);
  }

  // Which jobs sort or join (sim_jobs.h draw_sort_or_join), and the faults of their
  // exchange: apart from `rng` (World::jobs_rng).
  void draw_sorts() {
    Rng& side = world_.jobs_rng;
    for (SimJob& job : world_.jobs) {
      draw_sort_or_join(side, job);
      if (has_exchange(job.kind) && world_.faults.faults_until_ms > 0 &&
          world_.faults.map_output_loss_per_million == 0) {
        world_.faults.map_output_loss_per_million = static_cast<uint32_t>(side.below(10'000));
      }
    }
  }

  // The user's cancel, once due, while the job runs (a job that failed
  // during the faults is cancelled after its resubmission; one that
  // succeeded first is not cancelled). A coordinator that crashes in the
  // middle gives no reply: the user asks again.
  void cancel_if_due() {
    if (cancel_at_ms_ < 0 || world_.now_ms() < cancel_at_ms_ || !coordinator_->up()) return;
    JobRun& run = runs_[cancel_job_];
    if (run.cancelled || !run.submitted) return;
    const std::string& id = world_.jobs[cancel_job_].job.id;
    const JobRecord* job = coordinator_->scheduler()->job(id);
    if (job == nullptr || job->state == JobState::kFailed) return;
    if (job->state == JobState::kSucceeded) {
      cancel_at_ms_ = -1;  // too late: it finished
      return;
    }
    coordinator_step([&] { return coordinator_->cancel(id); });
    if (!coordinator_->up()) return;
    job = coordinator_->scheduler()->job(id);
    run.cancelled = job != nullptr && job->state == JobState::kCancelled;
  }

  // The further jobs, once due, as a user submits them (while the
  // coordinator is down: once it is back).
  void submit_due_jobs() {
    for (size_t i = 1; i < runs_.size(); ++i) {
      JobRun& run = runs_[i];
      if (run.submitted || world_.now_ms() < run.submit_at_ms || !coordinator_->up()) continue;
      world_.note("user submits job {}", i);
      coordinator_step([&] { return submit(i); });
      run.submitted =
          coordinator_->up() && coordinator_->scheduler()->job(world_.jobs[i].job.id) != nullptr;
    }
  }

  // A fault of the exchange's storage: a published map output is gone (a
  // bucket task that reads it reports it lost; its map task runs again).
  void lose_a_map_output() {
    std::vector<const SimJob*> exchanges;
    for (size_t i = 0; i < world_.jobs.size(); ++i) {
      const SimJob& job = world_.jobs[i];
      if (runs_[i].submitted && has_exchange(job.kind) && job.job.map_tasks > 0)
        exchanges.push_back(&job);
    }
    if (exchanges.empty() || !world_.rng.chance(world_.faults.map_output_loss_per_million)) return;
    const SimJob& job = *exchanges[exchanges.size() == 1 ? 0 : world_.rng.below(exchanges.size())];
    const auto map = static_cast<uint32_t>(world_.rng.below(job.job.map_tasks));
    std::error_code error;
    if (fs::remove(map_output_path(job.job, map), error)) world_.note("map output {} lost", map);
  }

  // Whether workers evict job files (forced, or one run in five) and the
  // first Task carrying one is lost (forced only).
  void draw_job_file_cases() {
    Rng& side = world_.job_files_rng;
    Faults& faults = world_.faults;
    faults.job_file_eviction_per_million =
        options_.evict_job_files ? 333'333
        : side.chance(200'000)   ? static_cast<uint32_t>(side.between(10'000, 300'000))
                                 : 0;
    faults.lose_first_job_file = options_.lose_first_job_file;
  }

  Status submit(size_t index) {
    SimJob& job = world_.jobs[index];
    SLUICE_ASSIGN_OR_RETURN(AdmittedJob admitted,
                            admit_job(runs_[index].yaml, job.dir + "/job.yaml", job.dir));
    // Admission stamps the wall clock; a restarted coordinator loads its
    // jobs in that order (then by id): the simulated clock's, to replay.
    admitted.record.created_unix = kEpochUnix + world_.now_ms() / 1000;
    job.job = admitted.record;
    return coordinator_->submit(std::move(admitted));
  }

  // Runs a step of the coordinator where a crash may stop it.
  template <typename Step>
  void coordinator_step(Step step) {
    armed_ = true;
    try {
      Status status = step();
      if (!status.is_ok()) violation("coordinator stopped: " + status.to_string());
    } catch (const SimulatedCrash& crash) {
      world_.note("coordinator crash point {}", crash.point);
      crash_coordinator();
    }
    armed_ = false;
  }

  void crash_coordinator() {
    coordinator_crashes_++;
    const bool power_cut = world_.rng.chance(world_.faults.power_cut_per_million);
    effects_.clear();  // in flight: lost with the process
    coordinator_->crash(power_cut);
    if (power_cut) lose_unsynced_files();
    coordinator_->restart_at_ms = world_.now_ms() + world_.rng.between(10, 3'000);
  }

  // The output directory at a power cut: operations not yet made durable
  // (the seed decides how many of the newest are lost), unsynced bytes.
  // Nothing is drawn when nothing is unsynced: a run's events stay those of
  // the seed before the simulated filesystem.
  void lose_unsynced_files() {
    const size_t unsynced = files_.unsynced_operations();
    if (unsynced == 0 && files_.unsynced_files() == 0) return;
    const size_t lost = world_.rng.chance(500'000) ? unsynced : world_.rng.below(unsynced + 1);
    for (const std::string& operation : files_.power_cut(lost)) {
      world_.note("power cut loses {}", operation);
    }
  }

  void deliver() {
    const int64_t now = world_.now_ms();
    while (std::optional<Message> message = world_.network.take_due(now)) {
      world_.note("{} -> {} {} {}", message->from, message->to, kind_name(message->kind),
                  world_.attempt_name(message->attempt));
      if (message->to == kCoordinator) {
        if (coordinator_->up()) {
          coordinator_->receive(std::move(*message));
        } else if (world_.rng.chance(500'000)) {
          held_.push_back(
              std::move(*message));  // queued by the worker's socket until it reconnects
        }
        continue;
      }
      for (auto& worker : workers_) {
        if (worker->identity() == message->to) worker->receive(*message);
      }
    }
  }

  bool finished() {
    if (world_.faulty() || !coordinator_->up() || coordinator_->has_messages() ||
        world_.network.work_in_flight() > 0 || !held_.empty())
      return false;
    for (const auto& worker : workers_) {
      if (!worker->up() || worker->busy()) return false;
    }
    for (size_t i = 0; i < world_.jobs.size(); ++i) {
      if (!runs_[i].submitted) return false;
      const JobRecord* job = coordinator_->scheduler()->job(world_.jobs[i].job.id);
      if (job == nullptr || !(job->state == JobState::kSucceeded ||
                              (runs_[i].cancelled && job->state == JobState::kCancelled)))
        return false;
    }
    return true;
  }

  // Why the run did not finish: each job's state.
  std::string unfinished_jobs_text() {
    if (!coordinator_->up()) return "coordinator down";
    std::string text;
    for (size_t i = 0; i < world_.jobs.size(); ++i) {
      const JobRecord* job =
          runs_[i].submitted ? coordinator_->scheduler()->job(world_.jobs[i].job.id) : nullptr;
      text += job_prefix(i);
      text += job == nullptr
                  ? std::string("not submitted or unknown; ")
                  : fmt::format("state={} error={}; ", job_state_name(job->state), job->error);
    }
    return text;
  }

  void drive() {
    const int64_t limit_ms = world_.faults.faults_until_ms + kSettleMsMax;
    int64_t next_round_ms = 0;
    while (!finished()) {
      if (world_.now_ms() > limit_ms) {
        violation(fmt::format("the job did not finish {} ms after the faults stopped: {}",
                              kSettleMsMax, unfinished_jobs_text()));
        return;
      }
      world_.clock.advance_ms(kStepMs);
      deliver();
      const bool faulty = world_.faulty();
      if (faulty) lose_a_map_output();
      for (auto& worker : workers_) {
        if (faulty && worker->up() && world_.rng.chance(world_.faults.worker_crash_per_million)) {
          worker_crashes_++;
          worker->crash();
        }
        worker->step();
      }
      if (!coordinator_->up()) {
        if (world_.now_ms() < coordinator_->restart_at_ms && faulty) continue;
        coordinator_step([&] { return coordinator_->start(); });
        if (!coordinator_->up()) continue;
        for (Message& message : held_) coordinator_->receive(std::move(message));
        held_.clear();
      }
      if (!effects_.idle()) {
        coordinator_step([&] {
          effects_.step(world_.rng);
          return Status::ok();
        });
        if (!coordinator_->up()) continue;
      }
      if (!coordinator_->has_messages() && world_.now_ms() < next_round_ms) continue;
      next_round_ms = world_.now_ms() + kCoordinatorTickMs;
      coordinator_step([&] { return coordinator_->round(); });
      if (faulty && coordinator_->up() &&
          world_.rng.chance(world_.faults.coordinator_crash_per_million)) {
        crash_coordinator();
      }
      if (!faulty && coordinator_->up()) resubmit_if_failed();
      submit_due_jobs();
      cancel_if_due();
    }
  }

  // A job that failed while the faults lasted (attempts or lost holders
  // used up) is submitted again once they stop, as a user would: it resumes.
  void resubmit_if_failed() {
    for (size_t i = 0; i < world_.jobs.size() && coordinator_->up(); ++i) {
      if (!runs_[i].submitted) continue;
      const JobRecord* job = coordinator_->scheduler()->job(world_.jobs[i].job.id);
      if (job == nullptr || job->state != JobState::kFailed) continue;
      if (runs_[i].resubmissions >= 3) continue;  // it keeps failing: the run fails
      world_.note("job {} failed ({}), submitted again", i, job->error);
      runs_[i].resubmissions++;
      coordinator_step([&] { return submit(i); });
    }
  }

  RunOptions options_;
  World world_;
  std::shared_ptr<MemoryDisk> disk_;
  std::string real_dir_;  // the run's directory
  std::string dir_;       // the run's directory as the jobs name it
  SimFilesystem files_;   // the output directory: a power cut loses its unsynced operations
  SimExecutor effects_;   // the coordinator's effects (a job's end), stepped by the seed
  std::unique_ptr<SimCoordinator> coordinator_;
  std::vector<std::unique_ptr<SimWorker>> workers_;
  std::vector<Message> held_;  // sent to the coordinator while it was down
  std::vector<std::string> violations_;
  std::vector<JobRun> runs_;  // World::jobs as driven here
  bool armed_ = false;
  int64_t cancel_at_ms_ = -1;  // the user's cancel (choose_job); -1: none
  size_t cancel_job_ = 0;      // of the job
  int coordinator_crashes_ = 0, worker_crashes_ = 0;
};

}  // namespace

RunResult run_simulation(const RunOptions& options) {
  auto coordinator_log = logger("coordinator");
  coordinator_log->set_level(options.trace && std::getenv("SIM_LOG") != nullptr
                                 ? spdlog::level::info
                                 : spdlog::level::off);
  Simulation simulation(options);
  return simulation.run();
}

std::string make_run_root() {
  const char* configured = std::getenv("SIM_ROOT");
  fs::path base = configured != nullptr          ? fs::path(configured)
                  : fs::is_directory("/dev/shm") ? fs::path("/dev/shm")
                                                 : fs::temp_directory_path();
  fs::path root = base / fmt::format("sluice-sim-{}", ::getpid());
  std::error_code ignored;
  fs::create_directories(root, ignored);
  // Named through a descriptor of a fixed number open on it: job ids hash
  // the job's directory, and after a restart the coordinator takes its jobs
  // in id order, so a run of several jobs replays the same in any process
  // only if the path is the same in every process.
  const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::dup2(fd, kRunRootFd) < 0) return root.string();
  ::close(fd);
  return fmt::format("/proc/self/fd/{}", kRunRootFd);
}

void remove_run_root(const std::string& root) {
  std::error_code ignored;
  const fs::path real = fs::canonical(root, ignored);
  if (!real.empty()) fs::remove_all(real, ignored);
}

}  // namespace sluice::sim
