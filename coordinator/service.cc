#include "coordinator/service.h"

#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>

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
#include "coordinator/router.h"
#include "coordinator/scheduler.h"
#include "coordinator/wire.h"
#include "coordinator/worker_exits.h"
#include "proto/link.h"
#include "proto/security.h"
#include "proto/wire.h"

namespace sluice {

namespace fs = std::filesystem;

class CoordinatorService::Impl final : public Outbox, public RouterPort {
 public:
  Impl(std::unique_ptr<PartitionLedger> ledger)
      : ledger_(std::move(ledger)),
        scheduler_(*ledger_, clock_),
        core_(scheduler_, clock_, *this, real_filesystem(), effects_),
        router_(scheduler_, core_, clock_, *this),
        log_(logger("coordinator")),
        background_(limits::kAdmissionThreads, limits::kAdmissionQueueMax,
                    [this] {
                      if (link_) link_->wake();
                    }),
        effects_(limits::kEffectThreads, limits::kEffectQueueMax, [this] {
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
    router_.set_coordinator_id(endpoint_);
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
    router_.handle_now(identity,
                       proto::decode(std::string_view(static_cast<const char*>(data), size)));
    background_.wait_idle();
    background_.run_completions();
    SLUICE_RETURN_IF_ERROR(tick());
    effects_.wait_idle();  // a job's end it started
    effects_.run_completions();
    return Status::ok();
  }

  // The rounds of the loop, in the router's order (router.h): every waiting
  // message, leases, the round's Done reports, the tick.
  Status run(const std::atomic<bool>& stop) {
    int64_t last_board_ms = 0;
    while (!stop.load()) {
      const bool readable = link_->poll(limits::kCoordinatorTickMs);
      if (stop.load()) break;
      if (readable) {
        drain();
        SLUICE_RETURN_IF_ERROR(router_.end_of_messages());
      }
      background_.run_completions();  // admissions finished meanwhile
      effects_.run_completions();     // jobs' ends finished meanwhile
      SLUICE_RETURN_IF_ERROR(tick());
      announce_jobs_ended();
      const int64_t now = clock_.now_ms();
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
      router_.receive(received->peer, std::move(received->message));
    }
  }

  void send_to(const std::string& peer, const proto::Message& message) override {
    Status sent = link_->send_to(peer, message);
    if (!sent.is_ok()) {
      log_->debug("message not sent peer={} kind={} reason={}", printable(peer),
                  proto::kind_name(message), sent.message());
    }
  }

  void worker_memory(const std::string& peer, uint64_t rss_anon_bytes) override {
    telemetry_.worker_memory(peer, rss_anon_bytes);
  }

  void job_created(const JobRecord& /*job*/) override {
    if (http_)  // the dashboard lists the job at once
      board_.publish(render_board(scheduler_, core_.metrics(), telemetry_, clock_.now_ms(), true));
  }

  // Admission runs on background_ (it may list S3, sniff files or query
  // PostgreSQL); its completion, back on the loop, claims the output,
  // submits the job and replies.
  void admit(const std::string& identity, const proto::SubmitJob& message) override {
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
        Status status = router_.finish_submit(identity, *admitted, unfinished);
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
    return router_.tick();
  }

  SteadyClock clock_;
  std::unique_ptr<PartitionLedger> ledger_;
  Scheduler scheduler_;
  CoordinatorCore core_;               // the protocol: decisions carried out
  Router router_;                      // which message calls what; a round's order
  std::unique_ptr<proto::Link> link_;  // the ROUTER; wake(): another thread -> the loop
  std::string endpoint_;
  std::shared_ptr<spdlog::logger> log_;
  Telemetry telemetry_;  // samples for the dashboard's charts
  StatusBoard board_;
  std::unique_ptr<HttpServer> http_;
  std::mutex ended_mutex_;
  std::condition_variable ended_changed_;
  uint64_t jobs_ended_ = 0;    // scheduler_.jobs_ended() as last announced; guarded by ended_mutex_
  WorkerExits worker_exits_;   // from report_worker_exit()
  BackgroundWork background_;  // last: its threads stop before what they use goes
  BackgroundWork effects_;     // the jobs' ends (effects.h); its threads stop first
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
