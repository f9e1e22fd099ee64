#include "tests/sim/simulation.h"

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
#include "tests/sim/sim_worker.h"

namespace sluice::sim {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kStepMs = 10;
constexpr int64_t kCoordinatorTickMs = 50;  // limits::kCoordinatorTickMs
constexpr int64_t kSettleMsMax = 180'000;   // after the faults: the job must finish by then
constexpr uint64_t kSplitBytes = 256;       // limits::kSplitBytesMin

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Records "id,letters\n" after a header, about `partitions` splits of it.
Input make_input(Rng& rng, uint32_t partitions) {
  Input input;
  input.text = "id,value\n";
  input.header_end = input.text.size();
  const uint64_t size = kSplitBytes * (partitions - 1) + rng.between(1, kSplitBytes);
  for (uint64_t id = 1; input.text.size() < size; ++id) {
    input.offsets.push_back(input.text.size());
    input.ids.push_back(std::to_string(id));
    input.rejected.push_back(rng.chance(150'000));
    input.text += std::to_string(id) + ",";
    const int64_t letters = rng.between(0, 24);
    for (int64_t i = 0; i < letters; ++i) input.text += static_cast<char>('a' + rng.below(26));
    input.text += '\n';
  }
  return input;
}

Faults draw_faults(Rng& rng) {
  Faults faults;
  if (rng.chance(100'000)) return faults;  // one run in ten: no faults at all
  faults.faults_until_ms = rng.between(500, 10'000);
  faults.drop_per_million = static_cast<uint32_t>(rng.below(200'000));
  faults.duplicate_per_million = static_cast<uint32_t>(rng.below(100'000));
  faults.delay_ms_max = rng.chance(200'000) ? rng.between(0, 8'000) : rng.between(0, 600);
  faults.worker_crash_per_million = static_cast<uint32_t>(rng.below(2'000));
  faults.coordinator_crash_per_million = static_cast<uint32_t>(rng.below(8'000));
  faults.crash_point_per_million = static_cast<uint32_t>(rng.below(60'000));
  faults.power_cut_per_million = static_cast<uint32_t>(rng.below(1'000'000));
  faults.task_failure_per_million = static_cast<uint32_t>(rng.below(40'000));
  faults.wrong_guess_per_million = static_cast<uint32_t>(rng.below(300'000));
  return faults;
}

class Simulation;
thread_local Simulation* g_current = nullptr;

class Simulation {
 public:
  explicit Simulation(const RunOptions& options)
      : options_(options),
        world_(options.seed),
        disk_(std::make_shared<MemoryDisk>()),
        dir_(options.root + "/s" + std::to_string(options.seed)),
        files_(dir_ + ".unsynced") {
    world_.tracing = options.trace;
    g_current = this;
    set_crash_point_hook(&Simulation::on_crash_point);
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
    fs::remove_all(dir_, ignored);
    fs::remove_all(dir_ + ".unsynced", ignored);
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
      if (coordinator_->up() && cancelled_) {
        check_cancelled(world_.job, *coordinator_->scheduler(), *disk_, dir_, violations_);
      } else if (coordinator_->up()) {
        check_final(world_.job, *coordinator_->scheduler(), *disk_, world_.input, world_.kind,
                    world_.buckets, dir_, violations_);
      }
    }
    result.violations = std::move(violations_);
    result.trace = std::move(world_.trace);
    result.simulated_ms = world_.now_ms();
    result.coordinator_crashes = coordinator_crashes_;
    result.worker_crashes = worker_crashes_;
    result.resubmissions = resubmissions_;
    result.messages_dropped = world_.network.dropped();
    result.speculative_tasks = world_.speculative_tasks;
    result.cancelled = cancelled_;
    result.job_file_refusals = world_.job_file_refusals;
    result.summary = fmt::format(
        "job={}{}{} partitions={} workers={} faults_until_ms={} drop={}% duplicate={}% "
        "delay_ms_max={} coordinator_crashes={} worker_crashes={} resubmissions={} "
        "speculative_tasks={} job_file_refusals={} simulated_ms={}",
        job_kind_name(world_.kind), cancelled_ ? " cancelled" : "",
        world_.input.poison != SIZE_MAX ? " poison" : "", world_.job.partitions_total,
        workers_.size(), world_.faults.faults_until_ms, world_.faults.drop_per_million / 10'000,
        world_.faults.duplicate_per_million / 10'000, world_.faults.delay_ms_max,
        coordinator_crashes_, worker_crashes_, resubmissions_, world_.speculative_tasks,
        world_.job_file_refusals, world_.now_ms());
    return result;
  }

  void violation(std::string text) {
    world_.note("VIOLATION {}", text);
    violations_.push_back(std::move(text));
  }

 private:
  static void on_crash_point(const char* name) {
    if (g_current != nullptr) g_current->at_crash_point(name);
  }

  void at_crash_point(const char* name) {
    // Every rename into place: its commit must be durable by now.
    if (std::string_view(name) == "renamed") {
      check_published_parts(world_.job, *disk_, dir_, parts_checked_, violations_);
      if (cancelled_) violation("a part was renamed into place after the job was cancelled");
    }
    if (armed_ && world_.faulty() && world_.rng.chance(world_.faults.crash_point_per_million)) {
      throw SimulatedCrash{name};
    }
  }

  Status set_up() {
    Rng& rng = world_.rng;
    const auto partitions = static_cast<uint32_t>(rng.between(1, 8));
    world_.input = make_input(rng, partitions);
    world_.faults = draw_faults(rng);
    draw_job_file_cases();
    std::error_code error;
    fs::remove_all(dir_, error);
    fs::create_directories(dir_, error);
    if (error) return io_error("cannot create " + dir_ + ": " + error.message());
    write_text(dir_ + "/input.csv", world_.input.text);
    // A fixed modification time: the job id is the same in every replay.
    fs::last_write_time(dir_ + "/input.csv", fs::file_time_type(std::chrono::seconds(1)), error);
    choose_job(rng);
    job_yaml_ = fmt::format(
        "name: sim\ninput:\n  path: input.csv\n  split_size: {}\noutput:\n  path: out/\n{}"
        "rejects:\n  max_ratio: 1\nmax_attempts: 3\nspeculative: {}\n{}",
        kSplitBytes, world_.kind == JobKind::kPartitioned ? "  partition_by: [key]\n" : "",
        world_.speculative, job_steps_yaml());
    write_text(dir_ + "/job.yaml", job_yaml_);
    coordinator_ = std::make_unique<SimCoordinator>(world_, disk_, files_, effects_);
    SLUICE_RETURN_IF_ERROR(coordinator_->start());
    SLUICE_RETURN_IF_ERROR(submit());
    const auto workers = rng.between(1, 3);
    for (int64_t i = 0; i < workers; ++i) {
      workers_.push_back(
          std::make_unique<SimWorker>(world_, static_cast<int>(i), rng.between(1, 2)));
    }
    return Status::ok();
  }

  // What the job does (sim_types.h JobKind) and the faults that go with it.
  void choose_job(Rng& rng) {
    const uint64_t kind = rng.below(6);  // map-only 3 in 6, aggregate 2, partition_by 1
    world_.kind = kind < 3   ? JobKind::kMapOnly
                  : kind < 5 ? JobKind::kAggregate
                             : JobKind::kPartitioned;
    if (world_.kind == JobKind::kAggregate) {
      world_.buckets = static_cast<uint32_t>(rng.between(1, 4));
      if (world_.faults.faults_until_ms > 0)
        world_.faults.map_output_loss_per_million = static_cast<uint32_t>(rng.below(10'000));
    }
    // One map-only seed in four: a record kills every worker that processes
    // it, until the quarantine pins it (a reject).
    if (world_.kind == JobKind::kMapOnly && !world_.input.ids.empty() && rng.chance(250'000)) {
      world_.input.poison = rng.below(world_.input.ids.size());
      world_.input.rejected[world_.input.poison] = false;
    }
    // One seed in three: stragglers get a second attempt.
    world_.speculative = rng.chance(330'000);
    // One seed in six: the user cancels the job, while the faults last.
    if (rng.chance(170'000))
      cancel_at_ms_ = rng.between(0, std::max<int64_t>(world_.faults.faults_until_ms, 2'000));
  }

  // The user's cancel, once due, while the job runs (a job that failed
  // during the faults is cancelled after its resubmission; one that
  // succeeded first is not cancelled). A coordinator that crashes in the
  // middle gives no reply: the user asks again.
  void cancel_if_due() {
    if (cancel_at_ms_ < 0 || cancelled_ || world_.now_ms() < cancel_at_ms_ || !coordinator_->up())
      return;
    const JobRecord* job = coordinator_->scheduler()->job(world_.job.id);
    if (job == nullptr || job->state == JobState::kFailed) return;
    if (job->state == JobState::kSucceeded) {
      cancel_at_ms_ = -1;  // too late: it finished
      return;
    }
    coordinator_step([&] { return coordinator_->cancel(world_.job.id); });
    if (!coordinator_->up()) return;
    job = coordinator_->scheduler()->job(world_.job.id);
    cancelled_ = job != nullptr && job->state == JobState::kCancelled;
  }

  // The steps the simulated workers stand for (sim_exchange.h: the
  // aggregate by the value's first letter).
  std::string job_steps_yaml() const {
    if (world_.kind == JobKind::kPartitioned) {
      return "steps:\n  - derive: {key: \"substr(value, 1, 1)\"}\n";
    }
    if (world_.kind != JobKind::kAggregate) return "";
    return fmt::format(
        "schema:\n  columns:\n    id: int64\nsteps:\n  - derive: {{key: \"substr(value, 1, "
        "1)\"}}\n  - aggregate:\n"
        "      by: [key]\n      aggs: {{rows: \"count(*)\", total: \"sum(id)\"}}\n"
        "parallelism: {}\n",
        world_.buckets);
  }

  // A fault of the exchange's storage: a published map output is gone (a
  // bucket task that reads it reports it lost; its map task runs again).
  void lose_a_map_output() {
    if (world_.kind != JobKind::kAggregate || world_.job.map_tasks == 0 ||
        !world_.rng.chance(world_.faults.map_output_loss_per_million))
      return;
    const auto map = static_cast<uint32_t>(world_.rng.below(world_.job.map_tasks));
    std::error_code error;
    if (fs::remove(map_output_path(world_.job, map), error)) world_.note("map output {} lost", map);
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

  Status submit() {
    SLUICE_ASSIGN_OR_RETURN(AdmittedJob admitted, admit_job(job_yaml_, dir_ + "/job.yaml", dir_));
    world_.job = admitted.record;
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
      world_.note("{} -> {} {} {}#{}", message->from, message->to, kind_name(message->kind),
                  message->attempt.partition, message->attempt.attempt);
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
    const JobRecord* job = coordinator_->scheduler()->job(world_.job.id);
    return job != nullptr && (job->state == JobState::kSucceeded ||
                              (cancelled_ && job->state == JobState::kCancelled));
  }

  void drive() {
    const int64_t limit_ms = world_.faults.faults_until_ms + kSettleMsMax;
    int64_t next_round_ms = 0;
    while (!finished()) {
      if (world_.now_ms() > limit_ms) {
        const JobRecord* job =
            coordinator_->up() ? coordinator_->scheduler()->job(world_.job.id) : nullptr;
        violation(fmt::format(
            "the job did not finish {} ms after the faults stopped: {}", kSettleMsMax,
            job == nullptr
                ? std::string("coordinator down or job unknown")
                : fmt::format("state={} error={}", job_state_name(job->state), job->error)));
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
      cancel_if_due();
    }
  }

  // A job that failed while the faults lasted (attempts or lost holders
  // used up) is submitted again once they stop, as a user would: it resumes.
  void resubmit_if_failed() {
    const JobRecord* job = coordinator_->scheduler()->job(world_.job.id);
    if (job == nullptr || job->state != JobState::kFailed) return;
    if (resubmissions_ >= 3) return;  // it keeps failing: the run fails
    world_.note("job failed ({}), submitted again", job->error);
    resubmissions_++;
    coordinator_step([&] { return submit(); });
  }

  RunOptions options_;
  World world_;
  std::shared_ptr<MemoryDisk> disk_;
  std::string dir_;
  SimFilesystem files_;  // the output directory: a power cut loses its unsynced operations
  SimExecutor effects_;  // the coordinator's effects (a job's end), stepped by the seed
  std::string job_yaml_;
  std::unique_ptr<SimCoordinator> coordinator_;
  std::vector<std::unique_ptr<SimWorker>> workers_;
  std::vector<Message> held_;  // sent to the coordinator while it was down
  std::vector<std::string> violations_;
  std::set<std::string> parts_checked_;
  bool armed_ = false;
  int64_t cancel_at_ms_ = -1;  // the user's cancel (choose_job); -1: none
  bool cancelled_ = false;     // the cancel took effect: the job ended cancelled
  int coordinator_crashes_ = 0, worker_crashes_ = 0, resubmissions_ = 0;
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
  return root.string();
}

}  // namespace sluice::sim
