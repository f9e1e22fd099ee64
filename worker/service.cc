#include "worker/service.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

#include "common/base/clock.h"
#include "common/base/host.h"
#include "common/base/limits.h"
#include "common/base/log.h"
#include "proto/link.h"
#include "proto/security.h"
#include "worker/compiled_jobs.h"
#include "worker/s3_output_task.h"
#include "worker/task_runner.h"

namespace sluice {
namespace {

// A busy worker's heartbeat, carrying its memory, goes at least this often
// (the coordinator samples it once a second for the dashboard).
constexpr int64_t kMemoryReportMs = 1000;

// This process's anonymous resident memory (RssAnon in /proc/self/status),
// in bytes; 0 where there is no such file.
uint64_t rss_anon_bytes() {
  std::FILE* file = std::fopen("/proc/self/status", "r");
  if (file == nullptr) return 0;
  char line[256];
  unsigned long long kib = 0;
  while (std::fgets(line, sizeof line, file) != nullptr) {
    if (std::sscanf(line, "RssAnon: %llu kB", &kib) == 1) break;
  }
  std::fclose(file);
  return static_cast<uint64_t>(kib) * 1024;
}

struct RunningTask {
  TaskSpec spec;
  std::shared_ptr<const JobFile> job;  // its job's file, shared with the cache
  TaskControl control;
  std::thread thread;
  std::atomic<bool> finished{false};
  TaskOutcome outcome;
  uint64_t checkpoint_sent_seq = 0;  // the link thread's: last checkpoint sent
};

class WorkerLink {
 public:
  WorkerLink(const WorkerOptions& options) : options_(options), log_(logger("worker")) {
    if (options_.worker_id.empty()) {
      options_.worker_id =
          fmt::format("{}-{}-{:x}", host_name(), ::getpid(), clock_.now_ms() & 0xffffff);
    }
  }

  ~WorkerLink() {
    for (auto& task : tasks_) {
      task->control.abort = true;
      if (task->thread.joinable()) task->thread.join();
    }
  }

  Status run(const std::atomic<bool>& stop) {
    SLUICE_RETURN_IF_ERROR(load_security());
    SLUICE_RETURN_IF_ERROR(connect());
    int64_t last_progress_ms = 0;
    while (!stop.load()) {
      if (link_->poll(limits::kCoordinatorTickMs)) drain();
      if (!refused_.is_ok()) return refused_;
      send_checkpoints();
      reap_finished();
      const int64_t now = clock_.now_ms();
      if (now - last_progress_ms >= limits::kHeartbeatMs) {
        last_progress_ms = now;
        send_progress();
      }
      // A busy worker's other messages count as heartbeats; its memory is
      // still reported every kMemoryReportMs.
      if (now - last_sent_ms_ >= limits::kHeartbeatMs ||
          now - last_heartbeat_ms_ >= kMemoryReportMs)
        send_heartbeat();
      if (now - last_heard_ms_ > limits::kLeaseMs && now >= next_reconnect_ms_)
        SLUICE_RETURN_IF_ERROR(reconnect());
    }
    log_->info("worker stopping worker={}", options_.worker_id);
    return Status::ok();
  }

 private:
  Status load_security() {
    SLUICE_ASSIGN_OR_RETURN(security_, proto::client_security(options_.curve_secret_path,
                                                              options_.coordinator_key_path));
    // Plaintext to a coordinator on this host (sluice run's workers) stays
    // on the host: the coordinator's own notice is the one a user sees.
    const std::string& endpoint = options_.coordinator;
    const bool loopback = endpoint.find("://127.") != std::string::npos ||
                          endpoint.find("://localhost:") != std::string::npos ||
                          endpoint.find("://[::1]:") != std::string::npos;
    if (!security_.enabled && loopback) {
      log_->info("plaintext mode: the coordinator is on this host and not authenticated");
    } else if (!security_.enabled) {
      log_->warn("plaintext mode: the coordinator is not authenticated");
    }
    return Status::ok();
  }

  Status connect() {
    if (link_ == nullptr) {
      proto::DialOptions dial;
      dial.security = security_;
      dial.routing_id = options_.worker_id;
      dial.reconnect_ms_min = limits::kReconnectBackoffMsMin;
      dial.reconnect_ms_max = limits::kReconnectBackoffMsMax;
      SLUICE_ASSIGN_OR_RETURN(link_, proto::Link::dial(options_.coordinator, dial));
    } else {
      SLUICE_RETURN_IF_ERROR(link_->redial());
    }
    last_heard_ms_ = clock_.now_ms();
    send_register();
    log_->info("worker connecting worker={} coordinator={} slots={}", options_.worker_id,
               options_.coordinator, options_.slots);
    return Status::ok();
  }

  Status reconnect() {
    log_->warn("coordinator silent, reconnecting worker={} silent_ms={} backoff_ms={}",
               options_.worker_id, clock_.now_ms() - last_heard_ms_, backoff_ms_);
    next_reconnect_ms_ = clock_.now_ms() + backoff_ms_;
    backoff_ms_ = std::min(backoff_ms_ * 2, limits::kReconnectBackoffMsMax);
    return connect();
  }

  void send(const proto::Message& message) {
    if (link_->send(message).is_ok()) last_sent_ms_ = clock_.now_ms();
  }

  void send_register() {
    send(proto::Register{options_.worker_id, options_.slots, host_name(),
                         static_cast<uint32_t>(::getpid()), proto::kProtocolVersion});
    request_work();
  }

  void request_work() { send(proto::RequestWork{free_slots()}); }

  void send_heartbeat() {
    send(proto::Heartbeat{static_cast<uint32_t>(tasks_.size()), rss_anon_bytes()});
    last_heartbeat_ms_ = clock_.now_ms();
  }

  uint32_t free_slots() const {
    const auto active = static_cast<uint32_t>(tasks_.size());
    return active >= options_.slots ? 0 : options_.slots - active;
  }

  void drain() {
    for (int handled = 0; handled < 100; ++handled) {
      std::optional<proto::Received> received = link_->receive();
      if (!received) return;
      last_heard_ms_ = clock_.now_ms();
      backoff_ms_ = limits::kReconnectBackoffMsMin;
      if (!received->message.is_ok()) {
        log_->warn("message dropped reason={}", received->message.status().message());
        continue;
      }
      std::visit([&](auto& message) { on(message); }, received->message.value());
    }
  }

  void on(const proto::Welcome& welcome) {
    log_->info("worker registered worker={} coordinator={}", options_.worker_id,
               welcome.coordinator_id);
  }

  void on(const proto::Heartbeat&) {}

  void on(proto::Task& task) { start_task(std::move(task)); }

  void on(const proto::TaskAbort& abort) {
    for (auto& task : tasks_) {
      if (task->spec.attempt_id() == abort.attempt) task->control.abort = true;
    }
  }

  void on(const proto::ProgressAck& ack) {
    log_->debug("checkpoint acked job={} partition={} attempt={} seq={}", ack.attempt.job_id,
                ack.attempt.partition, ack.attempt.attempt, ack.checkpoint_seq);
    for (auto& task : tasks_) {
      if (task->spec.attempt_id() != ack.attempt) continue;
      {
        std::lock_guard lock(task->control.checkpoint_mutex);
        task->control.checkpoint_acked_seq =
            std::max(task->control.checkpoint_acked_seq, ack.checkpoint_seq);
      }
      task->control.checkpoint_acked.notify_all();
    }
  }

  void on(const proto::CommitDecision& decision) {
    log_->debug("commit decision job={} partition={} attempt={} accepted={} reason={}",
                decision.attempt.job_id, decision.attempt.partition, decision.attempt.attempt,
                decision.accepted, decision.reason);
  }

  void on(const proto::ErrorReply& error) {
    if (error.message == "register") send_register();
    // A coordinator of another sluice version: nothing to do but say so.
    if (error.message.rfind(proto::kVersionMismatch, 0) == 0 && refused_.is_ok()) {
      log_->error("worker refused by the coordinator reason={}", error.message);
      refused_ = invalid_argument(error.message);
    }
  }

  // Kinds only workers and clients send.
  template <typename Kind>
  void on(const Kind& message) {
    log_->warn("message dropped reason=unexpected kind {}",
               proto::kind_name(proto::Message(message)));
  }

  void start_task(proto::Task message) {
    auto task = std::make_unique<RunningTask>();
    task->spec = std::move(message);
    TaskSpec& spec = task->spec;
    proto::Link* link = link_.get();
    task->control.wake_link = [link] { link->wake(); };
    if (spec.isolating) {
      log_->info("task isolating job={} partition={} attempt={} single_records_from={}",
                 spec.job_id, spec.partition, spec.attempt, spec.isolate_from_offset);
    }
    // The job's file: with this Task (the first of its job here), or kept.
    task->job = spec.spec_yaml.empty() ? job_files_.find(spec.job_id)
                                       : job_files_.put(spec.job_id, spec.spec_yaml);
    if (free_slots() == 0) {
      log_->warn("task refused job={} partition={} reason=no free slot", spec.job_id,
                 spec.partition);
      TaskOutcome busy;
      busy.error = "worker has no free slot";
      busy.retryable = true;
      busy.no_free_slot = true;
      report(spec, busy);
      return;
    }
    if (task->job == nullptr) {
      // Never sent here, or evicted: the coordinator sends it with the next Task.
      log_->info("task refused job={} partition={} reason=no job file", spec.job_id,
                 spec.partition);
      TaskOutcome missing;
      missing.error = "worker has not got the job's file";
      missing.retryable = true;
      missing.job_file_missing = true;
      report(spec, missing);
      return;
    }
    log_->debug("task started job={} partition={} attempt={}", spec.job_id, spec.partition,
                spec.attempt);
    RunningTask* raw = task.get();
    task->thread = std::thread([raw, link] {
      raw->outcome = run_task_to_output(raw->spec, *raw->job, raw->control);
      raw->finished.store(true, std::memory_order_release);
      link->wake();  // the link reports at once, not at its next tick
    });
    tasks_.push_back(std::move(task));
  }

  void reap_finished() {
    bool freed = false;
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      RunningTask& task = **it;
      if (!task.finished.load(std::memory_order_acquire)) {
        ++it;
        continue;
      }
      task.thread.join();
      report(task.spec, task.outcome);
      it = tasks_.erase(it);
      freed = true;
    }
    if (freed) request_work();
  }

  void report(const TaskSpec& spec, const TaskOutcome& outcome) {
    if (outcome.ok) {
      log_->debug("task done job={} partition={} attempt={} rows_in={} rows_out={}", spec.job_id,
                  spec.partition, spec.attempt, outcome.stats.rows_in, outcome.stats.rows_out);
      send(proto::Done{spec.attempt_id(), outcome.stats});
    } else {
      log_->warn("task failed job={} partition={} attempt={} retryable={} error={}", spec.job_id,
                 spec.partition, spec.attempt, outcome.retryable, outcome.error);
      send(proto::Failed{spec.attempt_id(), outcome.error, outcome.retryable,
                         outcome.map_output_lost, outcome.lost_map_task, outcome.no_free_slot,
                         outcome.job_file_missing});
    }
  }

  // An isolating task announced the records it processes next: the
  // coordinator hears of them before they run (ProgressAck releases the task).
  void send_checkpoints() {
    for (const auto& task : tasks_) {
      if (!task->spec.isolating) continue;
      TaskCheckpoint checkpoint;
      {
        std::lock_guard lock(task->control.checkpoint_mutex);
        checkpoint = task->control.checkpoint;
      }
      if (checkpoint.seq == 0 || checkpoint.seq == task->checkpoint_sent_seq) continue;
      task->checkpoint_sent_seq = checkpoint.seq;
      send_progress_of(*task, checkpoint);
      log_->debug("checkpoint sent job={} partition={} attempt={} seq={} offset={} rows={}",
                  task->spec.job_id, task->spec.partition, task->spec.attempt, checkpoint.seq,
                  checkpoint.offset, checkpoint.rows);
    }
  }

  void send_progress() {
    for (const auto& task : tasks_) send_progress_of(*task);
  }

  // A Progress for `task`; with `checkpoint` (seq > 0) when it is isolating.
  void send_progress_of(const RunningTask& task, const TaskCheckpoint& checkpoint = {}) {
    send(proto::Progress{task.spec.attempt_id(),
                         task.control.bytes_read.load(std::memory_order_relaxed),
                         task.control.rows_read.load(std::memory_order_relaxed), checkpoint.seq,
                         checkpoint.offset, checkpoint.rows});
  }

  WorkerOptions options_;
  Status refused_ = Status::ok();  // by a coordinator of another version: the worker stops
  proto::ClientSecurity security_;
  std::shared_ptr<spdlog::logger> log_;
  SteadyClock clock_;
  std::unique_ptr<proto::Link> link_;  // the DEALER; wake(): task threads -> the link
  std::list<std::unique_ptr<RunningTask>> tasks_;
  CompiledJobs job_files_;  // by job id, the most recently used kept
  int64_t last_heard_ms_ = 0;
  int64_t last_sent_ms_ = 0;
  int64_t last_heartbeat_ms_ = 0;
  int64_t next_reconnect_ms_ = 0;
  int64_t backoff_ms_ = limits::kReconnectBackoffMsMin;
};

}  // namespace

Status run_worker(const WorkerOptions& options, const std::atomic<bool>& stop) {
  WorkerLink link(options);
  return link.run(stop);
}

}  // namespace sluice
