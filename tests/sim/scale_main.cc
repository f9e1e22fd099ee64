// scale_run: the coordinator at scale. The product's Scheduler, ledger (a
// real RocksDB on disk) and CoordinatorCore, driven as service.cc's loop
// drives them (every waiting message, at most kMessagesPerRound, then the
// round's leases, its Done reports, the tick) by N simulated workers that
// report Done at once for every Task: no data is read, each attempt's
// temporary part is an empty file, created by the worker (on /dev/shm by
// default, so the renames are measured, not a disk's fsyncs of files).
// Prints completions per second (lease -> Done -> commit -> rename, until the
// job has its manifest and _SUCCESS), fsyncs of the ledger, and the
// coordinator's memory per million partitions. The renames and the job's
// end run inline (the loop's order without threads), or with
// --threaded-effects on the service's two effect threads. Not run in CI beyond a smoke
// case (ctest ScaleRun.Smoke). bench/README.md, "Control plane at scale".
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/base/clock.h"
#include "common/base/limits.h"
#include "common/base/log.h"
#include "coordinator/admission.h"
#include "coordinator/background_work.h"
#include "coordinator/core.h"
#include "coordinator/ledger.h"
#include "coordinator/output_paths.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

constexpr int kMessagesPerRound = 1000;  // service.cc's drain()
constexpr uint64_t kSplitBytes = 256;    // limits::kSplitBytesMin

struct Options {
  uint32_t workers = 1000;
  uint32_t partitions = 1'000'000;
  std::string state_dir;   // the ledger: a real disk
  std::string output_dir;  // the job's output (temporary files, parts)
  bool keep = false;
  // The renames and the job's end on the service's BackgroundWork (two
  // threads, completions run after each round) instead of inline.
  bool threaded_effects = false;
};

// Kilobytes of RssAnon (heap and anonymous mappings) of this process.
uint64_t rss_anon_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::stoull(line.substr(8));
  }
  return 0;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Message {
  enum Kind { kRegister, kRequestWork, kDone } kind;
  std::string worker;
  AttemptRef attempt;
};

// The simulated workers: a Task becomes, in the next round, a temporary
// file, a Done and a RequestWork (as worker/service.cc sends them together).
class Workers final : public Outbox {
 public:
  void send_task(const std::string& worker, const JobRecord& job, const PartitionRecord& partition,
                 uint32_t attempt, bool) override {
    if (made_dirs_.insert(job.id).second) {
      std::error_code ignored;
      fs::create_directories(temporary_dir(job), ignored);
    }
    const std::string temp = temp_part_path(job, partition.index, attempt);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) ::close(fd);
    tasks++;
    running.push_back(
        Message{Message::kDone, worker, AttemptRef{job.id, partition.index, attempt}});
  }
  void send_abort(const std::string&, const AttemptRef&) override { aborts++; }
  void send_commit_decision(const std::string&, const AttemptRef&,
                            const DoneOutcome& outcome) override {
    (outcome.accepted ? accepted : refused)++;
  }
  void send_register_again(const std::string&) override { register_again++; }

  std::vector<Message> running;
  uint64_t tasks = 0, aborts = 0, accepted = 0, refused = 0, register_again = 0;

 private:
  std::set<std::string> made_dirs_;  // jobs whose _temporary/<job> exists
};

Status write_input(const Options& options, const std::string& base) {
  // A header, then a sparse file: admission reads the header only; the
  // simulated workers read nothing.
  const std::string path = base + "/input.csv";
  std::ofstream(path, std::ios::binary) << "id\n";
  std::error_code error;
  fs::resize_file(path, kSplitBytes * options.partitions, error);
  if (error) return io_error("cannot size " + path + ": " + error.message());
  const std::string yaml =
      fmt::format("name: scale\ninput:\n  path: input.csv\n  split_size: {}\noutput:\n  path: {}\n",
                  kSplitBytes, options.output_dir);
  std::ofstream(base + "/job.yaml", std::ios::binary) << yaml;
  return Status::ok();
}

int run(const Options& options) {
  const std::string base = options.state_dir + "-input";
  std::error_code error;
  fs::create_directories(base, error);
  fs::create_directories(options.output_dir, error);
  Status written = write_input(options, base);
  if (!written.is_ok()) {
    std::fprintf(stderr, "%s\n", written.to_string().c_str());
    return 1;
  }
  const uint64_t anon_start_kib = rss_anon_kib();
  auto opened = PartitionLedger::open(options.state_dir);
  if (!opened.is_ok()) {
    std::fprintf(stderr, "%s\n", opened.status().to_string().c_str());
    return 1;
  }
  std::unique_ptr<PartitionLedger> ledger = std::move(opened).value();
  SteadyClock clock;
  Scheduler scheduler(*ledger, clock);
  Workers workers;
  BackgroundWork background(limits::kEffectThreads, limits::kEffectQueueMax, nullptr);
  EffectExecutor& effects =
      options.threaded_effects ? static_cast<EffectExecutor&>(background) : inline_executor();
  CoordinatorCore core(scheduler, clock, workers, real_filesystem(), effects);
  auto check = [](const Status& status, const char* what) {
    if (status.is_ok()) return true;
    std::fprintf(stderr, "%s: %s\n", what, status.to_string().c_str());
    return false;
  };
  if (!check(scheduler.load(), "load") || !check(core.recover(), "recover")) return 1;

  const auto plan_start = std::chrono::steady_clock::now();
  auto admitted = admit_job(
      [&] {
        std::ifstream file(base + "/job.yaml");
        return std::string((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
      }(),
      base + "/job.yaml", base);
  if (!admitted.is_ok()) return check(admitted.status(), "admit"), 1;
  const std::string job_id = admitted->record.id;
  auto submitted = scheduler.submit(admitted->record, admitted->partitions);
  if (!submitted.is_ok()) return check(submitted.status(), "submit"), 1;
  std::vector<PartitionRecord>().swap(admitted->partitions);  // as service.cc's on_submit ends
  const double plan_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - plan_start).count();
  const uint64_t anon_planned_kib = rss_anon_kib();
  std::printf("planned job=%s partitions=%u in %.2f s; coordinator RssAnon +%.1f MiB\n",
              job_id.c_str(), scheduler.job(job_id)->partitions_total, plan_s,
              static_cast<double>(anon_planned_kib - anon_start_kib) / 1024.0);

  std::deque<Message> inbox;
  for (uint32_t i = 0; i < options.workers; ++i) {
    const std::string id = fmt::format("w{:05}", i);
    inbox.push_back(Message{Message::kRegister, id, {}});
    inbox.push_back(Message{Message::kRequestWork, id, {}});
  }
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  uint64_t rounds = 0;
  uint64_t anon_peak_kib = anon_planned_kib;
  auto last_report = start;
  while (scheduler.job(job_id)->state == JobState::kRunning) {
    rounds++;
    std::vector<Message> done;
    for (int handled = 0; handled < kMessagesPerRound && !inbox.empty(); ++handled) {
      Message message = std::move(inbox.front());
      inbox.pop_front();
      switch (message.kind) {
        case Message::kRegister:
          scheduler.register_worker(message.worker, 1);
          break;
        case Message::kRequestWork:
          (void)core.on_worker_message(message.worker);
          scheduler.set_credit(message.worker, 1);
          break;
        case Message::kDone:
          scheduler.on_attempt_finished(message.worker, message.attempt);
          done.push_back(std::move(message));
          break;
      }
    }
    if (!check(core.assign_tasks(), "assign")) return 1;
    for (const Message& message : done) {
      DoneReport report;
      report.attempt = message.attempt;
      const PartitionRecord* partition =
          scheduler.partition(message.attempt.job_id, message.attempt.partition);
      report.stats.start_offset = partition->range.begin_offset;
      report.stats.end_offset = partition->range.end_offset;
      if (!check(core.on_done(message.worker, report), "done")) return 1;
    }
    if (!check(core.tick(), "tick")) return 1;
    // The effects' completions, between rounds as service.cc runs them;
    // with nothing else to do the loop waits for them.
    if (options.threaded_effects) {
      if (inbox.empty() && workers.running.empty()) background.wait_idle();
      background.run_completions();
    }
    // What the workers were sent this round comes back in the next.
    for (Message& message : workers.running) {
      inbox.push_back(message);
      inbox.push_back(Message{Message::kRequestWork, message.worker, {}});
    }
    workers.running.clear();
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::seconds(5)) {
      last_report = now;
      anon_peak_kib = std::max(anon_peak_kib, rss_anon_kib());
      const JobTotals totals = scheduler.totals(job_id);
      std::printf("  %.0f s: %u published, %.0f/s\n",
                  std::chrono::duration<double>(now - start).count(), totals.partitions_done,
                  totals.partitions_done / std::chrono::duration<double>(now - start).count());
      std::fflush(stdout);
    }
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_s = cpu_seconds() - cpu_start;
  anon_peak_kib = std::max(anon_peak_kib, rss_anon_kib());
  const JobRecord& job = *scheduler.job(job_id);
  const JobTotals totals = scheduler.totals(job_id);
  const double per_million = 1e6 / static_cast<double>(job.partitions_total);
  std::printf(
      "job %s: %u partitions published by %u workers in %.2f s wall, %.2f s CPU, %llu rounds\n"
      "completions per second: %.0f (wall), %.0f (per CPU second)\n"
      "tasks sent %llu, commit decisions accepted %llu refused %llu, aborts %llu\n"
      "coordinator RssAnon: +%.1f MiB planned, +%.1f MiB peak; per million partitions %.0f MiB "
      "planned, %.0f MiB peak\n",
      job_state_name(job.state), totals.partitions_done, options.workers, wall_s, cpu_s,
      static_cast<unsigned long long>(rounds), totals.partitions_done / wall_s,
      totals.partitions_done / cpu_s, static_cast<unsigned long long>(workers.tasks),
      static_cast<unsigned long long>(workers.accepted),
      static_cast<unsigned long long>(workers.refused),
      static_cast<unsigned long long>(workers.aborts),
      static_cast<double>(anon_planned_kib - anon_start_kib) / 1024.0,
      static_cast<double>(anon_peak_kib - anon_start_kib) / 1024.0,
      static_cast<double>(anon_planned_kib - anon_start_kib) / 1024.0 * per_million,
      static_cast<double>(anon_peak_kib - anon_start_kib) / 1024.0 * per_million);
  const bool ok = job.state == JobState::kSucceeded &&
                  totals.partitions_done == job.partitions_total &&
                  fs::exists(options.output_dir + "/_SUCCESS");
  if (!options.keep) {
    fs::remove_all(options.output_dir, error);
    fs::remove_all(options.state_dir, error);
    fs::remove_all(base, error);
    fs::remove(fs::path(options.state_dir).parent_path(), error);  // the default parent, when empty
  }
  std::printf("%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  sluice::Options options;
  const std::string stamp = std::to_string(::getpid());
  options.state_dir = "/var/tmp/sluice-scale-" + stamp + "/state";
  options.output_dir = (std::filesystem::exists("/dev/shm") ? "/dev/shm/sluice-scale-"
                                                            : "/var/tmp/sluice-scale-out-") +
                       stamp;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--workers") {
      options.workers = static_cast<uint32_t>(std::stoul(value()));
    } else if (arg == "--partitions") {
      options.partitions = static_cast<uint32_t>(std::stoul(value()));
    } else if (arg == "--state") {
      options.state_dir = value();
    } else if (arg == "--output") {
      options.output_dir = value();
    } else if (arg == "--keep") {
      options.keep = true;
    } else if (arg == "--threaded-effects") {
      options.threaded_effects = true;
    } else {
      std::fprintf(stderr,
                   "usage: scale_run [--workers N (1000)] [--partitions P (1000000)] "
                   "[--state DIR (a real disk: /var/tmp/...)] [--output DIR (/dev/shm/...)] "
                   "[--keep] [--threaded-effects]\n");
      return 2;
    }
  }
  if (options.workers == 0 || options.partitions == 0) {
    std::fprintf(stderr, "--workers and --partitions must be at least 1\n");
    return 2;
  }
  sluice::configure_logging(sluice::LogFormat::kText, "warn");
  return sluice::run(options);
}
