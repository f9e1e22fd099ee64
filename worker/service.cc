#include "worker/service.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "common/base/clock.h"
#include "common/base/host.h"
#include "common/base/limits.h"
#include "common/base/log.h"
#include "proto/codec.h"
#include "proto/security.h"
#include "proto/socket.h"
#include "proto/waker.h"
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

using proto::to_string;

struct RunningTask {
  TaskSpec spec;
  TaskControl control;
  std::thread thread;
  std::atomic<bool> finished{false};
  TaskOutcome outcome;
  uint64_t checkpoint_sent_seq = 0;  // the link thread's: last checkpoint sent
};

class WorkerLink {
 public:
  WorkerLink(const WorkerOptions& options)
      : options_(options),
        log_(logger("worker")),
        socket_(context_, zmq::socket_type::dealer),
        waker_(context_) {
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
    connect();
    int64_t last_progress_ms = 0;
    while (!stop.load()) {
      const bool readable =
          proto::poll_readable(socket_, waker_.socket(), limits::kCoordinatorTickMs);
      waker_.drain();
      if (readable) drain();
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
      if (now - last_heard_ms_ > limits::kLeaseMs && now >= next_reconnect_ms_) reconnect();
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

  void connect() {
    socket_ = zmq::socket_t(context_, zmq::socket_type::dealer);
    proto::configure_socket(socket_);
    proto::apply_client_security(socket_, security_);
    socket_.set(zmq::sockopt::routing_id, options_.worker_id);
    socket_.set(zmq::sockopt::reconnect_ivl, static_cast<int>(limits::kReconnectBackoffMsMin));
    socket_.set(zmq::sockopt::reconnect_ivl_max, static_cast<int>(limits::kReconnectBackoffMsMax));
    socket_.connect(options_.coordinator);
    last_heard_ms_ = clock_.now_ms();
    send_register();
    log_->info("worker connecting worker={} coordinator={} slots={}", options_.worker_id,
               options_.coordinator, options_.slots);
  }

  void reconnect() {
    log_->warn("coordinator silent, reconnecting worker={} silent_ms={} backoff_ms={}",
               options_.worker_id, clock_.now_ms() - last_heard_ms_, backoff_ms_);
    next_reconnect_ms_ = clock_.now_ms() + backoff_ms_;
    backoff_ms_ = std::min(backoff_ms_ * 2, limits::kReconnectBackoffMsMax);
    connect();
  }

  void send(capnp::MallocMessageBuilder& builder) {
    if (proto::send(socket_, builder)) last_sent_ms_ = clock_.now_ms();
  }

  void send_register() {
    capnp::MallocMessageBuilder builder;
    auto message = builder.initRoot<proto::Envelope>().initRegister();
    message.setWorkerId(options_.worker_id);
    message.setSlots(options_.slots);
    message.setHost(host_name());
    message.setPid(static_cast<uint32_t>(::getpid()));
    message.setProtocolVersion(1);
    send(builder);
    request_work();
  }

  void request_work() {
    capnp::MallocMessageBuilder builder;
    builder.initRoot<proto::Envelope>().initRequestWork().setFreeSlots(free_slots());
    send(builder);
  }

  void send_heartbeat() {
    capnp::MallocMessageBuilder builder;
    auto heartbeat = builder.initRoot<proto::Envelope>().initHeartbeat();
    heartbeat.setActiveTasks(static_cast<uint32_t>(tasks_.size()));
    heartbeat.setRssAnonBytes(rss_anon_bytes());
    send(builder);
    last_heartbeat_ms_ = clock_.now_ms();
  }

  uint32_t free_slots() const {
    const auto active = static_cast<uint32_t>(tasks_.size());
    return active >= options_.slots ? 0 : options_.slots - active;
  }

  void drain() {
    for (int handled = 0; handled < 100; ++handled) {
      zmq::message_t frame;
      try {
        if (!socket_.recv(frame, zmq::recv_flags::dontwait)) return;
      } catch (const zmq::error_t& error) {
        log_->error("receive failed error={}", error.what());
        return;
      }
      last_heard_ms_ = clock_.now_ms();
      backoff_ms_ = limits::kReconnectBackoffMsMin;
      auto decoded = proto::decode(frame);
      if (!decoded.is_ok()) {
        log_->warn("message dropped reason={}", decoded.status().message());
        continue;
      }
      try {
        handle(decoded.value()->envelope());
      } catch (const kj::Exception& error) {
        log_->warn("message dropped reason=malformed: {}", error.getDescription().cStr());
      }
    }
  }

  void handle(proto::Envelope::Reader envelope) {
    using proto::Envelope;
    switch (envelope.which()) {
      case Envelope::WELCOME:
        log_->info("worker registered worker={} coordinator={}", options_.worker_id,
                   to_string(envelope.getWelcome().getCoordinatorId()));
        return;
      case Envelope::HEARTBEAT:
        return;
      case Envelope::TASK:
        return start_task(envelope.getTask());
      case Envelope::TASK_ABORT: {
        auto abort = envelope.getTaskAbort();
        for (auto& task : tasks_) {
          if (task->spec.job_id == to_string(abort.getJobId()) &&
              task->spec.partition == abort.getPartition() &&
              task->spec.attempt == abort.getAttempt()) {
            task->control.abort = true;
          }
        }
        return;
      }
      case Envelope::PROGRESS_ACK: {
        auto ack = envelope.getProgressAck();
        log_->debug("checkpoint acked job={} partition={} attempt={} seq={}",
                    to_string(ack.getJobId()), ack.getPartition(), ack.getAttempt(),
                    ack.getCheckpointSeq());
        for (auto& task : tasks_) {
          if (task->spec.job_id != to_string(ack.getJobId()) ||
              task->spec.partition != ack.getPartition() || task->spec.attempt != ack.getAttempt())
            continue;
          {
            std::lock_guard lock(task->control.checkpoint_mutex);
            task->control.checkpoint_acked_seq =
                std::max(task->control.checkpoint_acked_seq, ack.getCheckpointSeq());
          }
          task->control.checkpoint_acked.notify_all();
        }
        return;
      }
      case Envelope::COMMIT_DECISION: {
        auto decision = envelope.getCommitDecision();
        log_->debug("commit decision job={} partition={} attempt={} accepted={} reason={}",
                    to_string(decision.getJobId()), decision.getPartition(), decision.getAttempt(),
                    decision.getAccepted(), to_string(decision.getReason()));
        return;
      }
      case Envelope::ERROR_REPLY:
        if (to_string(envelope.getErrorReply().getMessage()) == "register") send_register();
        return;
      default:
        log_->warn("message dropped reason=unexpected kind {}", static_cast<int>(envelope.which()));
        return;
    }
  }

  void start_task(proto::Task::Reader message) {
    auto task = std::make_unique<RunningTask>();
    TaskSpec& spec = task->spec;
    spec.job_id = to_string(message.getJobId());
    spec.partition = message.getPartition();
    spec.attempt = message.getAttempt();
    spec.spec_yaml = to_string(message.getSpecYaml());
    spec.base_dir = to_string(message.getBaseDir());
    spec.path = to_string(message.getPath());
    spec.begin_offset = message.getBeginOffset();
    spec.end_offset = message.getEndOffset();
    spec.start_is_exact = message.getStartIsExact();
    spec.exact_start_offset = message.getExactStartOffset();
    spec.file_size_bytes = message.getFileSizeBytes();
    spec.file_mtime_ns = message.getFileMtimeNs();
    spec.temp_path = to_string(message.getTempPath());
    spec.rejects_temp_path = to_string(message.getRejectsTempPath());
    spec.isolating = message.getIsolating();
    spec.isolate_from_offset = message.getIsolateFromOffset();
    for (uint64_t offset : message.getSkipOffsets()) spec.skip_offsets.push_back(offset);
    for (auto reason : message.getSkipReasons()) spec.skip_reasons.push_back(to_string(reason));
    spec.is_bucket_task = message.getIsBucketTask();
    spec.bucket_begin = message.getBucketBegin();
    spec.bucket_end = message.getBucketEnd();
    spec.map_output_dir = to_string(message.getMapOutputDir());
    spec.map_output_count = message.getMapOutputCount();
    for (auto column : message.getInputColumns()) spec.input_columns.push_back(to_string(column));
    spec.header_known = message.getHeaderKnown();
    spec.is_final_merge = message.getIsFinalMerge();
    spec.sorted_output_count = message.getSortedOutputCount();
    spec.bucket_tasks = message.getBucketTasks();
    spec.join_right_side = message.getJoinRightSide();
    spec.map_tasks_right = message.getMapTasksRight();
    spec.join_broadcast = message.getJoinBroadcast();
    for (auto column : message.getJoinRightColumns()) {
      spec.join_right_columns.push_back(to_string(column));
    }
    spec.output_url = to_string(message.getOutputUrl());
    spec.rejects_url = to_string(message.getRejectsUrl());
    task->control.wake_link = [this] { waker_.poke(); };
    if (spec.isolating) {
      log_->info("task isolating job={} partition={} attempt={} single_records_from={}",
                 spec.job_id, spec.partition, spec.attempt, spec.isolate_from_offset);
    }
    if (free_slots() == 0) {
      log_->warn("task refused job={} partition={} reason=no free slot", spec.job_id,
                 spec.partition);
      TaskOutcome busy;
      busy.error = "worker has no free slot";
      busy.retryable = true;
      report(spec, busy);
      return;
    }
    log_->debug("task started job={} partition={} attempt={}", spec.job_id, spec.partition,
                spec.attempt);
    RunningTask* raw = task.get();
    task->thread = std::thread([raw, this] {
      raw->outcome = run_task_to_output(raw->spec, raw->control);
      raw->finished.store(true, std::memory_order_release);
      waker_.poke();  // the link reports at once, not at its next tick
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
    capnp::MallocMessageBuilder builder;
    auto envelope = builder.initRoot<proto::Envelope>();
    if (outcome.ok) {
      auto done = envelope.initDone();
      done.setJobId(spec.job_id);
      done.setPartition(spec.partition);
      done.setAttempt(spec.attempt);
      done.setRowsIn(outcome.rows_in);
      done.setRowsOut(outcome.rows_out);
      done.setRowsFiltered(outcome.rows_filtered);
      done.setRowGroupsSkipped(outcome.row_groups_skipped);
      done.setRowsRejected(outcome.rows_rejected);
      done.setBytesRead(outcome.bytes_read);
      done.setBytesWritten(outcome.bytes_written);
      done.setChecksum(outcome.checksum);
      done.setRejectsBytes(outcome.rejects_bytes);
      done.setRejectsChecksum(outcome.rejects_checksum);
      done.setStartOffset(outcome.start_offset);
      done.setEndOffset(outcome.end_offset);
      auto files = done.initFiles(static_cast<unsigned>(outcome.files.size()));
      for (size_t i = 0; i < outcome.files.size(); ++i) {
        auto file = files[static_cast<unsigned>(i)];
        file.setDir(outcome.files[i].dir);
        file.setRows(outcome.files[i].rows);
        file.setBytes(outcome.files[i].bytes);
        file.setChecksum(outcome.files[i].checksum);
      }
      auto uploads = done.initUploads(static_cast<unsigned>(outcome.uploads.size()));
      for (size_t i = 0; i < outcome.uploads.size(); ++i) {
        const S3UploadRecord& upload = outcome.uploads[i];
        auto item = uploads[static_cast<unsigned>(i)];
        item.setUrl(upload.url);
        item.setUploadId(upload.upload_id);
        auto parts = item.initParts(static_cast<unsigned>(upload.parts.size()));
        for (size_t j = 0; j < upload.parts.size(); ++j) {
          parts[static_cast<unsigned>(j)].setNumber(upload.parts[j].number);
          parts[static_cast<unsigned>(j)].setEtag(upload.parts[j].etag);
          parts[static_cast<unsigned>(j)].setBytes(upload.parts[j].size_bytes);
        }
      }
      log_->debug("task done job={} partition={} attempt={} rows_in={} rows_out={}", spec.job_id,
                  spec.partition, spec.attempt, outcome.rows_in, outcome.rows_out);
    } else {
      auto failed = envelope.initFailed();
      failed.setJobId(spec.job_id);
      failed.setPartition(spec.partition);
      failed.setAttempt(spec.attempt);
      failed.setMessage(outcome.error);
      failed.setRetryable(outcome.retryable);
      failed.setMapOutputLost(outcome.map_output_lost);
      failed.setLostMapTask(outcome.lost_map_task);
      log_->warn("task failed job={} partition={} attempt={} retryable={} error={}", spec.job_id,
                 spec.partition, spec.attempt, outcome.retryable, outcome.error);
    }
    send(builder);
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
    capnp::MallocMessageBuilder builder;
    auto progress = builder.initRoot<proto::Envelope>().initProgress();
    progress.setJobId(task.spec.job_id);
    progress.setPartition(task.spec.partition);
    progress.setAttempt(task.spec.attempt);
    progress.setBytesRead(task.control.bytes_read.load(std::memory_order_relaxed));
    progress.setRowsRead(task.control.rows_read.load(std::memory_order_relaxed));
    progress.setCheckpointSeq(checkpoint.seq);
    progress.setCheckpointOffset(checkpoint.offset);
    progress.setCheckpointRows(checkpoint.rows);
    send(builder);
  }

  WorkerOptions options_;
  proto::ClientSecurity security_;
  std::shared_ptr<spdlog::logger> log_;
  SteadyClock clock_;
  zmq::context_t context_;
  zmq::socket_t socket_;
  proto::Waker waker_;  // task threads -> the link
  std::list<std::unique_ptr<RunningTask>> tasks_;
  int64_t last_heard_ms_ = 0;
  int64_t last_sent_ms_ = 0;
  int64_t last_heartbeat_ms_ = 0;
  int64_t next_reconnect_ms_ = 0;
  int64_t backoff_ms_ = limits::kReconnectBackoffMsMin;
};

}  // namespace

Status run_worker(const WorkerOptions& options, const std::atomic<bool>& stop) {
  try {
    WorkerLink link(options);
    return link.run(stop);
  } catch (const zmq::error_t& error) {
    return Status(StatusCode::kUnavailable, std::string("worker socket error: ") + error.what());
  }
}

}  // namespace sluice
