#include "coordinator/service.h"

#include <kj/exception.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <zmq.hpp>

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
#include "proto/codec.h"
#include "proto/security.h"
#include "proto/socket.h"
#include "proto/waker.h"

namespace sluice {

namespace fs = std::filesystem;
using proto::to_string;

class CoordinatorService::Impl final : public Outbox {
 public:
  Impl(std::unique_ptr<PartitionLedger> ledger)
      : ledger_(std::move(ledger)),
        scheduler_(*ledger_, clock_),
        core_(scheduler_, clock_, *this),
        router_(context_, zmq::socket_type::router),
        waker_(context_),
        log_(logger("coordinator")),
        background_(limits::kAdmissionThreads, limits::kAdmissionQueueMax,
                    [this] { waker_.poke(); }) {}
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
    try {
      proto::configure_socket(router_);
      // A worker that reconnects (same routing id, new connection) is routed
      // to at once; without this its new connection is ignored until the old
      // one is torn down, and what is sent meanwhile is lost.
      router_.set(zmq::sockopt::router_handover, 1);
      if (curve) {
        SLUICE_ASSIGN_OR_RETURN(proto::KeyPair keys,
                                proto::load_key_pair(options.curve_secret_path));
        SLUICE_ASSIGN_OR_RETURN(auto authorized,
                                proto::load_authorized_keys(options.authorized_keys_path));
        // The handler must exist before the socket binds.
        zap_ = std::make_unique<proto::ZapHandler>(context_, std::move(authorized));
        proto::apply_server_security(router_, keys);
        log_->info("CURVE on: only authorized keys are admitted public_key={}", keys.public_z85);
      }
      router_.bind(options.listen);
      endpoint_ = router_.get(zmq::sockopt::last_endpoint);
    } catch (const zmq::error_t& error) {
      return Status(StatusCode::kUnavailable,
                    "cannot listen on " + options.listen + ": " + error.what());
    }
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
    handle(identity, zmq::message_t(data, size));
    background_.wait_idle();
    background_.run_completions();
    return tick();
  }

  Status run(const std::atomic<bool>& stop) {
    int64_t last_heartbeat_ms = 0;
    int64_t last_board_ms = 0;
    while (!stop.load()) {
      const bool readable =
          proto::poll_readable(router_, waker_.socket(), limits::kCoordinatorTickMs);
      waker_.drain();
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

  void wake() { waker_.poke(); }

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
    std::string identity;
    zmq::message_t payload;
    for (int handled = 0; handled < 1000; ++handled) {
      if (!proto::receive_routed(router_, identity, payload)) return;
      handle(identity, payload, true);
    }
  }

  // `defer_done`: a Done report waits in deferred_done_ for
  // handle_deferred_done(), after this round's leases.
  void handle(const std::string& identity, const zmq::message_t& payload, bool defer_done = false) {
    auto decoded = proto::decode(payload);
    if (!decoded.is_ok()) {
      core_.metrics().messages_dropped++;
      log_->warn("message dropped peer={} reason={}", printable(identity),
                 decoded.status().message());
      return;
    }
    std::unique_ptr<proto::Decoded> message = std::move(decoded.value());
    if (defer_done && proto::is_done_report(*message)) {
      // The worker's slot is free now (its RequestWork follows); the attempt
      // still holds its lease until the report is handled.
      auto done = message->envelope().getDone();
      scheduler_.on_attempt_finished(
          identity, AttemptRef{to_string(done.getJobId()), done.getPartition(), done.getAttempt()});
      deferred_done_.emplace_back(identity, std::move(message));
      return;
    }
    dispatch_decoded(identity, *message);
  }

  void handle_deferred_done() {
    std::vector<std::pair<std::string, std::unique_ptr<proto::Decoded>>> reports;
    reports.swap(deferred_done_);
    for (auto& [identity, decoded] : reports) dispatch_decoded(identity, *decoded);
  }

  void dispatch_decoded(const std::string& identity, proto::Decoded& decoded) {
    try {
      Status status = dispatch(identity, decoded.envelope());
      if (!status.is_ok())
        log_->error("handling failed peer={} error={}", printable(identity), status.to_string());
    } catch (const kj::Exception& error) {
      core_.metrics().messages_dropped++;
      log_->warn("message dropped peer={} reason=malformed: {}", printable(identity),
                 error.getDescription().cStr());
    }
  }

  Status dispatch(const std::string& identity, proto::Envelope::Reader envelope) {
    using proto::Envelope;
    switch (envelope.which()) {
      case Envelope::REGISTER:
        return on_register(identity, envelope.getRegister());
      case Envelope::HEARTBEAT: {
        SLUICE_RETURN_IF_ERROR(core_.on_worker_message(identity));
        if (envelope.getHeartbeat().getActiveTasks() == 0) scheduler_.on_idle_heartbeat(identity);
        telemetry_.worker_memory(identity, envelope.getHeartbeat().getRssAnonBytes());
        return Status::ok();
      }
      case Envelope::REQUEST_WORK: {
        SLUICE_RETURN_IF_ERROR(core_.on_worker_message(identity));
        scheduler_.set_credit(identity, envelope.getRequestWork().getFreeSlots());
        return Status::ok();
      }
      case Envelope::PROGRESS: {
        SLUICE_RETURN_IF_ERROR(core_.on_worker_message(identity));
        auto progress = envelope.getProgress();
        const AttemptRef attempt{to_string(progress.getJobId()), progress.getPartition(),
                                 progress.getAttempt()};
        const AttemptCheckpoint checkpoint{progress.getCheckpointSeq(),
                                           progress.getCheckpointOffset(),
                                           progress.getCheckpointRows()};
        scheduler_.on_progress(identity, attempt, progress.getBytesRead(), checkpoint);
        // An isolating attempt waits until its checkpoint is known here.
        if (checkpoint.seq > 0) send_progress_ack(identity, attempt, checkpoint.seq);
        return Status::ok();
      }
      case Envelope::DONE:
        return on_done(identity, envelope.getDone());
      case Envelope::FAILED:
        return on_failed(identity, envelope.getFailed());
      case Envelope::SUBMIT_JOB:
        return on_submit(identity, envelope.getSubmitJob());
      case Envelope::STATUS_REQUEST:
        return reply_status(identity, to_string(envelope.getStatusRequest().getJobId()));
      case Envelope::CANCEL_JOB:
        return on_cancel(identity, to_string(envelope.getCancelJob().getJobId()));
      default:
        log_->warn("message dropped peer={} reason=unexpected kind {}", printable(identity),
                   static_cast<int>(envelope.which()));
        return Status::ok();
    }
  }

  Status on_register(const std::string& identity, proto::Register::Reader message) {
    const uint32_t slots = std::clamp<uint32_t>(message.getSlots(), 1, limits::kWorkerSlotsMax);
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
    scheduler_.register_worker(identity, slots, to_string(message.getHost()), message.getPid());
    log_->info("worker registered worker={} slots={} host={} pid={}", printable(identity), slots,
               to_string(message.getHost()), message.getPid());
    capnp::MallocMessageBuilder builder;
    fill_welcome(builder.initRoot<proto::Envelope>().initWelcome(), endpoint_);
    proto::send_to(router_, identity, builder);
    return Status::ok();
  }

  Status on_done(const std::string& identity, proto::Done::Reader message) {
    return core_.on_done(identity, read_done_report(message));
  }

  Status on_failed(const std::string& identity, proto::Failed::Reader message) {
    return core_.on_failed(
        identity, FailedReport{AttemptRef{to_string(message.getJobId()), message.getPartition(),
                                          message.getAttempt()},
                               to_string(message.getMessage()), message.getRetryable(),
                               message.getMapOutputLost(), message.getLostMapTask()});
  }

  // Admission runs on background_ (it may list S3, sniff files or query
  // PostgreSQL); its completion, back on the loop, claims the output,
  // submits the job and replies.
  Status on_submit(const std::string& identity, proto::SubmitJob::Reader message) {
    // A run of an incremental lineage unfinished now is the one this
    // submission returns, even if it finishes while the job is admitted.
    auto work = [this, identity, unfinished = unfinished_jobs(scheduler_),
                 spec_yaml = to_string(message.getSpecYaml()),
                 spec_file = to_string(message.getSpecFile()),
                 base_dir = to_string(message.getBaseDir())]() -> BackgroundWork::Completion {
      auto admitted = std::make_shared<Result<AdmittedJob>>(internal_error("admission failed"));
      try {
        *admitted = admit_job(spec_yaml, spec_file, base_dir);
      } catch (const std::exception& error) {
        *admitted = internal_error(std::string("admission failed: ") + error.what());
      }
      return [this, identity, admitted, unfinished] {
        Status status = finish_submit(identity, *admitted, unfinished);
        if (status.is_ok()) return;
        log_->error("submission failed peer={} error={}", printable(identity), status.to_string());
        reply_error(identity, status.message());
      };
    };
    if (!background_.submit(std::move(work))) {
      reply_error(identity, "coordinator busy: " + std::to_string(limits::kAdmissionQueueMax) +
                                " submissions wait for admission; submit again later");
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
      reply_error(identity, planned.message());
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
    capnp::MallocMessageBuilder builder;
    auto reply = builder.initRoot<proto::Envelope>().initSubmitReply();
    reply.setJobId(record.id);
    reply.setCreated(created);
    reply.setState(job_state_name(scheduler_.job(record.id)->state));
    proto::send_to(router_, identity, builder);
    return Status::ok();
  }

  void reply_error(const std::string& identity, const std::string& message) {
    capnp::MallocMessageBuilder builder;
    builder.initRoot<proto::Envelope>().initErrorReply().setMessage(message);
    proto::send_to(router_, identity, builder);
  }

  Status reply_status(const std::string& identity, const std::string& job_id) {
    std::vector<const JobRecord*> jobs;
    for (const JobRecord* job : scheduler_.jobs()) {
      if (job_id.empty() || job->id == job_id) jobs.push_back(job);
    }
    capnp::MallocMessageBuilder builder;
    auto envelope = builder.initRoot<proto::Envelope>();
    if (!job_id.empty() && jobs.empty()) {
      envelope.initErrorReply().setMessage("no job " + job_id);
      proto::send_to(router_, identity, builder);
      return Status::ok();
    }
    fill_status_reply(envelope.initStatusReply(), scheduler_, jobs);
    proto::send_to(router_, identity, builder);
    return Status::ok();
  }

  Status on_cancel(const std::string& identity, const std::string& job_id) {
    if (scheduler_.job(job_id) == nullptr) {
      capnp::MallocMessageBuilder builder;
      builder.initRoot<proto::Envelope>().initErrorReply().setMessage("no job " + job_id);
      proto::send_to(router_, identity, builder);
      return Status::ok();
    }
    SLUICE_RETURN_IF_ERROR(core_.stop(job_id, JobState::kCancelled, "cancelled by request"));
    return reply_status(identity, job_id);
  }

  void send_progress_ack(const std::string& identity, const AttemptRef& attempt, uint64_t seq) {
    capnp::MallocMessageBuilder builder;
    fill_progress_ack(builder.initRoot<proto::Envelope>().initProgressAck(), attempt, seq);
    proto::send_to(router_, identity, builder);
  }

  // Deaths reported by report_worker_exit(), from another thread.
  void take_worker_exits() {
    for (const WorkerExit& exit : worker_exits_.take())
      scheduler_.worker_died(host_name(), exit.pid, exit.signal);
  }

 public:
  void report_worker_exit(uint32_t pid, int signal) {
    worker_exits_.push(WorkerExit{pid, signal});
    waker_.poke();
  }

 private:
  // Outbox: the core's messages, over the ROUTER socket.
  void send_task(const std::string& worker, const JobRecord& job, const PartitionRecord& partition,
                 uint32_t attempt) override {
    capnp::MallocMessageBuilder builder;
    fill_task(builder.initRoot<proto::Envelope>().initTask(), job, partition, attempt);
    proto::send_to(router_, worker, builder);
  }

  void send_abort(const std::string& worker, const AttemptRef& attempt) override {
    capnp::MallocMessageBuilder builder;
    fill_task_abort(builder.initRoot<proto::Envelope>().initTaskAbort(), attempt);
    proto::send_to(router_, worker, builder);
  }

  void send_commit_decision(const std::string& worker, const AttemptRef& attempt,
                            const DoneOutcome& outcome) override {
    capnp::MallocMessageBuilder builder;
    fill_commit_decision(builder.initRoot<proto::Envelope>().initCommitDecision(), attempt,
                         outcome);
    proto::send_to(router_, worker, builder);
  }

  void send_register_again(const std::string& worker) override {
    capnp::MallocMessageBuilder builder;
    builder.initRoot<proto::Envelope>().initErrorReply().setMessage("register");
    proto::send_to(router_, worker, builder);
  }

  Status tick() {
    take_worker_exits();
    return core_.tick();
  }

  Status assign_tasks() { return core_.assign_tasks(); }

  void heartbeat_workers() {
    for (const WorkerView& worker : scheduler_.workers()) {
      capnp::MallocMessageBuilder builder;
      builder.initRoot<proto::Envelope>().initHeartbeat().setActiveTasks(
          static_cast<uint32_t>(worker.active));
      proto::send_to(router_, worker.identity, builder);
    }
  }

  SteadyClock clock_;
  std::unique_ptr<PartitionLedger> ledger_;
  Scheduler scheduler_;
  CoordinatorCore core_;  // the protocol: decisions carried out
  zmq::context_t context_;
  std::unique_ptr<proto::ZapHandler> zap_;  // before router_: outlives it
  zmq::socket_t router_;
  proto::Waker waker_;  // another thread -> the loop (stop now)
  std::string endpoint_;
  std::shared_ptr<spdlog::logger> log_;
  Telemetry telemetry_;  // samples for the dashboard's charts
  StatusBoard board_;
  std::unique_ptr<HttpServer> http_;
  // Done reports received this round, handled after its leases.
  std::vector<std::pair<std::string, std::unique_ptr<proto::Decoded>>> deferred_done_;
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
