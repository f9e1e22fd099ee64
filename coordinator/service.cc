#include "coordinator/service.h"

#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <variant>

#include "common/base/host.h"
#include "common/base/limits.h"
#include "common/base/log.h"
#include "coordinator/admission.h"
#include "coordinator/background_work.h"
#include "coordinator/board_render.h"
#include "coordinator/core.h"
#include "coordinator/http_server.h"
#include "coordinator/incremental.h"
#include "coordinator/publisher.h"
#include "coordinator/scheduler.h"
#include "coordinator/wire.h"
#include "coordinator/worker_exits.h"
#include "proto/link.h"
#include "proto/security.h"
#include "proto/wire.h"

namespace sluice {

namespace fs = std::filesystem;

class CoordinatorService::Impl final : public Outbox {
 public:
  Impl(std::unique_ptr<PartitionLedger> ledger)
      : ledger_(std::move(ledger)),
        scheduler_(*ledger_, clock_),
        core_(scheduler_, clock_, *this),
        log_(logger("coordinator")),
        background_(limits::kAdmissionThreads, limits::kAdmissionQueueMax, [this] {
          if (link_) link_->wake();
        }) {}
  // Workers are gone by now (`sluice run` stops them first): what one stopped
  // in the middle of an attempt of an ended job left goes.
  ~Impl() override { core_.sweep(); }

  Status start(const CoordinatorOptions& options) {
    SLUICE_RETURN_IF_ERROR(scheduler_.load());
    SLUICE_RETURN_IF_ERROR(core_.recover());
    const bool curve = !options.curve_secret_path.empty() || !options.authorized_keys_path.empty();
    if (curve && (options.curve_secret_path.empty() || options.authorized_keys_path.empty())) {
      return invalid_argument("--curve-secret and --authorized-keys go together");
    }
    proto::ServerSecurity security;
    if (curve) {
      SLUICE_ASSIGN_OR_RETURN(security.own, proto::load_key_pair(options.curve_secret_path));
      SLUICE_ASSIGN_OR_RETURN(security.authorized_public_z85,
                              proto::load_authorized_keys(options.authorized_keys_path));
      security.enabled = true;
      log_->info("CURVE on: only authorized keys are admitted public_key={}",
                 security.own.public_z85);
    }
    SLUICE_ASSIGN_OR_RETURN(link_, proto::Link::listen(options.listen, security));
    endpoint_ = link_->endpoint();
    log_->info("coordinator listening endpoint={} state={} jobs={}", endpoint_, options.state_dir,
               scheduler_.jobs().size());
    if (!options.http_address.empty()) {
      SLUICE_ASSIGN_OR_RETURN(http_, HttpServer::start(options.http_address, board_));
      log_->info("http listening address={} port={}", options.http_address, http_->port());
    }
    board_.publish(render_board(scheduler_, core_.metrics(), telemetry_, clock_.now_ms(), true));
    if (!curve) log_->warn("plaintext mode: no --curve-secret given, peers are not authenticated");
    return Status::ok();
  }

  const std::string& endpoint() const { return endpoint_; }
  int http_port() const { return http_ ? http_->port() : 0; }

  // One frame, handled to the end: a submission's admission is waited for.
  Status handle_frame(const std::string& identity, const void* data, size_t size) {
    handle(identity, proto::decode(std::string_view(static_cast<const char*>(data), size)));
    background_.wait_idle();
    background_.run_completions();
    return tick();
  }

  Status run(const std::atomic<bool>& stop) {
    int64_t last_heartbeat_ms = 0;
    int64_t last_board_ms = 0;
    while (!stop.load()) {
      const bool readable = link_->poll(limits::kCoordinatorTickMs);
      if (stop.load()) break;
      if (readable) {
        drain();
        // A worker that reported Done asked for work in the same breath:
        // lease its next partition before committing the last one. Both are
        // written buffered; the tick's flush makes the round's leases and
        // commits durable with one WAL sync, then sends the Tasks first,
        // then the commit decisions, then renames (group commit, core.h).
        SLUICE_RETURN_IF_ERROR(assign_tasks());
        handle_deferred_done();
      }
      background_.run_completions();  // admissions finished meanwhile
      SLUICE_RETURN_IF_ERROR(tick());
      announce_jobs_ended();
      const int64_t now = clock_.now_ms();
      if (now - last_heartbeat_ms >= limits::kHeartbeatMs) {
        last_heartbeat_ms = now;
        heartbeat_workers();
      }
      if (http_ && now - last_board_ms >= 500) {
        last_board_ms = now;
        board_.publish(render_board(scheduler_, core_.metrics(), telemetry_, now, true));
      }
    }
    return Status::ok();
  }

  void wake() { link_->wake(); }

  uint64_t wait_jobs_ended(uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock lock(ended_mutex_);
    ended_changed_.wait_for(lock, timeout, [&] { return jobs_ended_ > seen; });
    return jobs_ended_;
  }

 private:
  void announce_jobs_ended() {
    {
      std::lock_guard lock(ended_mutex_);
      if (jobs_ended_ == scheduler_.jobs_ended()) return;
      jobs_ended_ = scheduler_.jobs_ended();
    }
    ended_changed_.notify_all();
  }

  void drain() {
    for (int handled = 0; handled < 1000; ++handled) {
      std::optional<proto::Received> received = link_->receive();
      if (!received) return;
      handle(received->peer, std::move(received->message), true);
    }
  }

  // `defer_done`: a Done report waits in deferred_done_ for
  // handle_deferred_done(), after this round's leases.
  void handle(const std::string& identity, Result<proto::Message> decoded,
              bool defer_done = false) {
    if (!decoded.is_ok()) {
      core_.metrics().messages_dropped++;
      log_->warn("message dropped peer={} reason={}", printable(identity),
                 decoded.status().message());
      return;
    }
    proto::Message& message = decoded.value();
    if (auto* done = std::get_if<proto::Done>(&message); done != nullptr && defer_done) {
      // The worker's slot is free now (its RequestWork follows); the attempt
      // still holds its lease until the report is handled.
      scheduler_.on_attempt_finished(identity, done->attempt);
      deferred_done_.emplace_back(identity, std::move(*done));
      return;
    }
    dispatch_logged(identity, message);
  }

  void handle_deferred_done() {
    std::vector<std::pair<std::string, proto::Done>> reports;
    reports.swap(deferred_done_);
    for (auto& [identity, done] : reports)
      dispatch_logged(identity, proto::Message(std::move(done)));
  }

  void dispatch_logged(const std::string& identity, const proto::Message& message) {
    Status status = std::visit([&](const auto& kind) { return on(identity, kind); }, message);
    if (!status.is_ok())
      log_->error("handling failed peer={} error={}", printable(identity), status.to_string());
  }

  Status on(const std::string& identity, const proto::Heartbeat& heartbeat) {
    SLUICE_RETURN_IF_ERROR(core_.on_worker_message(identity));
    if (heartbeat.active_tasks == 0) scheduler_.on_idle_heartbeat(identity);
    telemetry_.worker_memory(identity, heartbeat.rss_anon_bytes);
    return Status::ok();
  }

  Status on(const std::string& identity, const proto::RequestWork& request) {
    SLUICE_RETURN_IF_ERROR(core_.on_worker_message(identity));
    scheduler_.set_credit(identity, request.free_slots);
    return Status::ok();
  }

  Status on(const std::string& identity, const proto::Progress& progress) {
    SLUICE_RETURN_IF_ERROR(core_.on_worker_message(identity));
    const AttemptCheckpoint checkpoint{progress.checkpoint_seq, progress.checkpoint_offset,
                                       progress.checkpoint_rows};
    scheduler_.on_progress(identity, progress.attempt, progress.bytes_read, checkpoint);
    // An isolating attempt waits until its checkpoint is known here.
    if (checkpoint.seq > 0) send_to(identity, proto::ProgressAck{progress.attempt, checkpoint.seq});
    return Status::ok();
  }

  Status on(const std::string& identity, const proto::Done& done) {
    return core_.on_done(identity, done);
  }

  Status on(const std::string& identity, const proto::Failed& failed) {
    return core_.on_failed(identity, failed);
  }

  Status on(const std::string& identity, const proto::StatusRequest& request) {
    return reply_status(identity, request.job_id);
  }

  Status on(const std::string& identity, const proto::CancelJob& cancel) {
    return on_cancel(identity, cancel.job_id);
  }

  // Kinds only the coordinator sends.
  template <typename Kind>
  Status on(const std::string& identity, const Kind& message) {
    log_->warn("message dropped peer={} reason=unexpected kind {}", printable(identity),
               proto::kind_name(proto::Message(message)));
    return Status::ok();
  }

  void send_to(const std::string& peer, const proto::Message& message) {
    Status sent = link_->send_to(peer, message);
    if (!sent.is_ok()) {
      log_->debug("message not sent peer={} kind={} reason={}", printable(peer),
                  proto::kind_name(message), sent.message());
    }
  }

  Status on(const std::string& identity, const proto::Register& message) {
    const uint32_t slots = std::clamp<uint32_t>(message.slots, 1, limits::kWorkerSlotsMax);
    // A routing id ZeroMQ made up (a leading zero byte) is not a worker's: it
    // is a replaced connection's leftovers (ROUTER handover renames the old
    // pipe). Registering it would lease partitions to a dead pipe.
    if (identity.empty() || identity.front() == '\0') {
      log_->warn("register dropped peer={} reason=no worker routing id", printable(identity));
      return Status::ok();
    }
    if (!scheduler_.is_registered(identity) && scheduler_.workers().size() >= limits::kPeersMax) {
      log_->warn("worker refused peer={} reason=too many workers", printable(identity));
      return Status::ok();
    }
    scheduler_.register_worker(identity, slots, message.host, message.pid);
    log_->info("worker registered worker={} slots={} host={} pid={}", printable(identity), slots,
               message.host, message.pid);
    send_to(identity, welcome(endpoint_));
    return Status::ok();
  }

  // Admission runs on background_ (it may list S3, sniff files or query
  // PostgreSQL); its completion, back on the loop, claims the output,
  // submits the job and replies.
  Status on(const std::string& identity, const proto::SubmitJob& message) {
    // A run of an incremental lineage unfinished now is the one this
    // submission returns, even if it finishes while the job is admitted.
    auto work = [this, identity, unfinished = unfinished_jobs(scheduler_),
                 message]() -> BackgroundWork::Completion {
      auto admitted = std::make_shared<Result<AdmittedJob>>(internal_error("admission failed"));
      try {
        *admitted = admit_job(message.spec_yaml, message.spec_file, message.base_dir);
      } catch (const std::exception& error) {
        *admitted = internal_error(std::string("admission failed: ") + error.what());
      }
      return [this, identity, admitted, unfinished] {
        Status status = finish_submit(identity, *admitted, unfinished);
        if (status.is_ok()) return;
        log_->error("submission failed peer={} error={}", printable(identity), status.to_string());
        send_to(identity, proto::ErrorReply{status.message()});
      };
    };
    if (!background_.submit(std::move(work))) {
      send_to(identity,
              proto::ErrorReply{"coordinator busy: " + std::to_string(limits::kAdmissionQueueMax) +
                                " submissions wait for admission; submit again later"});
    }
    return Status::ok();
  }

  Status finish_submit(const std::string& identity, Result<AdmittedJob>& admitted,
                       const std::set<std::string>& unfinished_at_receipt) {
    // An incremental job: this submission is a run of its lineage (new files only).
    Status planned = admitted.is_ok()
                         ? plan_incremental_run(scheduler_, *admitted, unfinished_at_receipt)
                         : admitted.status();
    if (planned.is_ok()) planned = claim_output(scheduler_, *admitted);  // the directory is free
    if (!planned.is_ok()) {
      send_to(identity, proto::ErrorReply{planned.message()});
      return Status::ok();
    }
    const JobRecord& record = admitted->record;
    SLUICE_ASSIGN_OR_RETURN(bool created, scheduler_.submit(record, admitted->partitions));
    if (created) {
      log_->info("job submitted job={} name={} partitions={} output={}", record.id, record.name,
                 record.partitions_total, record.output_dir);
      if (http_)  // the dashboard lists the job at once
        board_.publish(
            render_board(scheduler_, core_.metrics(), telemetry_, clock_.now_ms(), true));
      if (auto plan = join_plan_text(record))
        log_->info("join planned job={} {}", record.id, *plan);
    } else {
      // The same job again: a failed one resumes; what it published stays.
      SLUICE_ASSIGN_OR_RETURN(bool resumed, scheduler_.resume(record.id));
      if (resumed) {
        log_->info("job resumed job={} name={} reason=submitted again after it failed", record.id,
                   record.name);
        for (const AttemptRef& ref : scheduler_.unpublished()) {
          if (ref.job_id == record.id) SLUICE_RETURN_IF_ERROR(core_.publish(ref));
        }
      }
    }
    send_to(identity, proto::SubmitReply{record.id, created,
                                         job_state_name(scheduler_.job(record.id)->state)});
    return Status::ok();
  }

  Status reply_status(const std::string& identity, const std::string& job_id) {
    std::vector<const JobRecord*> jobs;
    for (const JobRecord* job : scheduler_.jobs()) {
      if (job_id.empty() || job->id == job_id) jobs.push_back(job);
    }
    if (!job_id.empty() && jobs.empty()) {
      send_to(identity, proto::ErrorReply{"no job " + job_id});
      return Status::ok();
    }
    send_to(identity, status_reply(scheduler_, jobs));
    return Status::ok();
  }

  Status on_cancel(const std::string& identity, const std::string& job_id) {
    if (scheduler_.job(job_id) == nullptr) {
      send_to(identity, proto::ErrorReply{"no job " + job_id});
      return Status::ok();
    }
    SLUICE_RETURN_IF_ERROR(core_.stop(job_id, JobState::kCancelled, "cancelled by request"));
    return reply_status(identity, job_id);
  }

  // Deaths reported by report_worker_exit(), from another thread.
  void take_worker_exits() {
    for (const WorkerExit& exit : worker_exits_.take())
      scheduler_.worker_died(host_name(), exit.pid, exit.signal);
  }

 public:
  void report_worker_exit(uint32_t pid, int signal) {
    worker_exits_.push(WorkerExit{pid, signal});
    link_->wake();
  }

 private:
  // Outbox: the core's messages, over the link.
  void send_task(const std::string& worker, const JobRecord& job, const PartitionRecord& partition,
                 uint32_t attempt, bool with_job_file) override {
    send_to(worker, task_for(job, partition, attempt, with_job_file));
  }

  void send_abort(const std::string& worker, const AttemptRef& attempt) override {
    send_to(worker, proto::TaskAbort{attempt});
  }

  void send_commit_decision(const std::string& worker, const AttemptRef& attempt,
                            const DoneOutcome& outcome) override {
    send_to(worker, commit_decision(attempt, outcome));
  }

  void send_register_again(const std::string& worker) override {
    send_to(worker, proto::ErrorReply{"register"});
  }

  Status tick() {
    take_worker_exits();
    return core_.tick();
  }

  Status assign_tasks() { return core_.assign_tasks(); }

  void heartbeat_workers() {
    for (const WorkerView& worker : scheduler_.workers()) {
      send_to(worker.identity, proto::Heartbeat{static_cast<uint32_t>(worker.active), 0});
    }
  }

  SteadyClock clock_;
  std::unique_ptr<PartitionLedger> ledger_;
  Scheduler scheduler_;
  CoordinatorCore core_;               // the protocol: decisions carried out
  std::unique_ptr<proto::Link> link_;  // the ROUTER; wake(): another thread -> the loop
  std::string endpoint_;
  std::shared_ptr<spdlog::logger> log_;
  Telemetry telemetry_;  // samples for the dashboard's charts
  StatusBoard board_;
  std::unique_ptr<HttpServer> http_;
  // Done reports received this round, handled after its leases.
  std::vector<std::pair<std::string, proto::Done>> deferred_done_;
  std::mutex ended_mutex_;
  std::condition_variable ended_changed_;
  uint64_t jobs_ended_ = 0;    // scheduler_.jobs_ended() as last announced; guarded by ended_mutex_
  WorkerExits worker_exits_;   // from report_worker_exit()
  BackgroundWork background_;  // last: its threads stop before what they use goes
};

CoordinatorService::CoordinatorService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CoordinatorService::~CoordinatorService() = default;

Result<std::unique_ptr<CoordinatorService>> CoordinatorService::open(
    const CoordinatorOptions& options) {
  std::error_code error;
  fs::create_directories(options.state_dir, error);
  if (error)
    return io_error("cannot create state directory " + options.state_dir + ": " + error.message());
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<PartitionLedger> ledger,
                          PartitionLedger::open(options.state_dir));
  auto impl = std::make_unique<Impl>(std::move(ledger));
  SLUICE_RETURN_IF_ERROR(impl->start(options));
  return std::unique_ptr<CoordinatorService>(new CoordinatorService(std::move(impl)));
}

const std::string& CoordinatorService::endpoint() const { return impl_->endpoint(); }
int CoordinatorService::http_port() const { return impl_->http_port(); }

Status CoordinatorService::run(const std::atomic<bool>& stop) { return impl_->run(stop); }

void CoordinatorService::wake() { impl_->wake(); }

void CoordinatorService::report_worker_exit(uint32_t pid, int signal) {
  impl_->report_worker_exit(pid, signal);
}

uint64_t CoordinatorService::wait_jobs_ended(uint64_t seen, std::chrono::milliseconds timeout) {
  return impl_->wait_jobs_ended(seen, timeout);
}

Status CoordinatorService::handle_frame(const std::string& identity, const void* data,
                                        size_t size) {
  return impl_->handle_frame(identity, data, size);
}

}  // namespace sluice
