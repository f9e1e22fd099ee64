#include "coordinator/router.h"

#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "common/base/limits.h"
#include "common/base/log.h"
#include "coordinator/incremental.h"
#include "coordinator/wire.h"

namespace sluice {

Router::Router(Scheduler& scheduler, CoordinatorCore& core, const Clock& clock, RouterPort& port)
    : scheduler_(scheduler), core_(core), clock_(clock), port_(port), log_(logger("coordinator")) {}

void Router::receive(const std::string& peer, Result<proto::Message> decoded) {
  if (decoded.is_ok()) {
    if (auto* done = std::get_if<proto::Done>(&decoded.value())) {
      // The worker's slot is free now (its RequestWork follows); the attempt
      // still holds its lease until the report is handled.
      scheduler_.on_attempt_finished(peer, done->attempt);
      held_done_.emplace_back(peer, std::move(*done));
      return;
    }
  }
  handle_now(peer, std::move(decoded));
}

void Router::handle_now(const std::string& peer, Result<proto::Message> decoded) {
  if (!decoded.is_ok()) {
    core_.metrics().messages_dropped++;
    log_->warn("message dropped peer={} reason={}", printable(peer), decoded.status().message());
    return;
  }
  dispatch(peer, decoded.value());
}

Status Router::end_of_messages() {
  SLUICE_RETURN_IF_ERROR(core_.assign_tasks());
  std::vector<std::pair<std::string, proto::Done>> reports;
  reports.swap(held_done_);
  for (auto& [peer, done] : reports) dispatch(peer, proto::Message(std::move(done)));
  return Status::ok();
}

Status Router::tick() {
  SLUICE_RETURN_IF_ERROR(core_.tick());
  const int64_t now = clock_.now_ms();
  if (now - last_heartbeat_ms_ >= limits::kHeartbeatMs) {
    last_heartbeat_ms_ = now;
    heartbeat_workers();
  }
  return Status::ok();
}

void Router::heartbeat_workers() {
  for (const WorkerView& worker : scheduler_.workers()) {
    port_.send_to(worker.identity, proto::Heartbeat{static_cast<uint32_t>(worker.active), 0});
  }
}

void Router::dispatch(const std::string& peer, const proto::Message& message) {
  Status status = std::visit([&](const auto& kind) { return on(peer, kind); }, message);
  if (!status.is_ok())
    log_->error("handling failed peer={} error={}", printable(peer), status.to_string());
}

Status Router::on(const std::string& peer, const proto::Register& message) {
  const uint32_t slots = std::clamp<uint32_t>(message.slots, 1, limits::kWorkerSlotsMax);
  // A routing id ZeroMQ made up (a leading zero byte) is not a worker's: it
  // is a replaced connection's leftovers (ROUTER handover renames the old
  // pipe). Registering it would lease partitions to a dead pipe.
  if (peer.empty() || peer.front() == '\0') {
    log_->warn("register dropped peer={} reason=no worker routing id", printable(peer));
    return Status::ok();
  }
  if (message.protocol_version != proto::kProtocolVersion) {
    // Another sluice version: it would misread Tasks (or we its reports).
    log_->warn("worker refused peer={} reason={} worker={} coordinator={}", printable(peer),
               proto::kVersionMismatch, message.protocol_version, proto::kProtocolVersion);
    port_.send_to(peer,
                  proto::ErrorReply{fmt::format(
                      "{}: the worker speaks {}, the coordinator {}; run one sluice "
                      "version on every host",
                      proto::kVersionMismatch, message.protocol_version, proto::kProtocolVersion)});
    return Status::ok();
  }
  if (!scheduler_.is_registered(peer) && scheduler_.workers().size() >= limits::kPeersMax) {
    log_->warn("worker refused peer={} reason=too many workers", printable(peer));
    return Status::ok();
  }
  scheduler_.register_worker(peer, slots, message.host, message.pid);
  log_->info("worker registered worker={} slots={} host={} pid={}", printable(peer), slots,
             message.host, message.pid);
  port_.send_to(peer, welcome(coordinator_id_));
  return Status::ok();
}

Status Router::on(const std::string& peer, const proto::Heartbeat& heartbeat) {
  SLUICE_RETURN_IF_ERROR(core_.on_worker_message(peer));
  if (heartbeat.active_tasks == 0) scheduler_.on_idle_heartbeat(peer);
  port_.worker_memory(peer, heartbeat.rss_anon_bytes);
  return Status::ok();
}

Status Router::on(const std::string& peer, const proto::RequestWork& request) {
  SLUICE_RETURN_IF_ERROR(core_.on_worker_message(peer));
  scheduler_.set_credit(peer, request.free_slots);
  return Status::ok();
}

Status Router::on(const std::string& peer, const proto::Progress& progress) {
  SLUICE_RETURN_IF_ERROR(core_.on_worker_message(peer));
  const AttemptCheckpoint checkpoint{progress.checkpoint_seq, progress.checkpoint_offset,
                                     progress.checkpoint_rows};
  scheduler_.on_progress(peer, progress.attempt, progress.bytes_read, checkpoint);
  // An isolating attempt waits until its checkpoint is known here.
  if (checkpoint.seq > 0) port_.send_to(peer, proto::ProgressAck{progress.attempt, checkpoint.seq});
  return Status::ok();
}

Status Router::on(const std::string& peer, const proto::Done& done) {
  return core_.on_done(peer, done);
}

Status Router::on(const std::string& peer, const proto::Failed& failed) {
  return core_.on_failed(peer, failed);
}

Status Router::on(const std::string& peer, const proto::SubmitJob& submit) {
  port_.admit(peer, submit);
  return Status::ok();
}

Status Router::on(const std::string& peer, const proto::StatusRequest& request) {
  return reply_status(peer, request.job_id);
}

Status Router::on(const std::string& peer, const proto::CancelJob& cancel) {
  if (scheduler_.job(cancel.job_id) == nullptr) {
    port_.send_to(peer, proto::ErrorReply{"no job " + cancel.job_id});
    return Status::ok();
  }
  SLUICE_RETURN_IF_ERROR(core_.stop(cancel.job_id, JobState::kCancelled, "cancelled by request"));
  return reply_status(peer, cancel.job_id);
}

template <typename Kind>
Status Router::on(const std::string& peer, const Kind& message) {
  log_->warn("message dropped peer={} reason=unexpected kind {}", printable(peer),
             proto::kind_name(proto::Message(message)));
  return Status::ok();
}

Status Router::reply_status(const std::string& peer, const std::string& job_id) {
  std::vector<const JobRecord*> jobs;
  for (const JobRecord* job : scheduler_.jobs()) {
    if (job_id.empty() || job->id == job_id) jobs.push_back(job);
  }
  if (!job_id.empty() && jobs.empty()) {
    port_.send_to(peer, proto::ErrorReply{"no job " + job_id});
    return Status::ok();
  }
  port_.send_to(peer, status_reply(scheduler_, jobs));
  return Status::ok();
}

Status Router::finish_submit(const std::string& peer, Result<AdmittedJob>& admitted,
                             const std::set<std::string>& unfinished_at_receipt) {
  // An incremental job: this submission is a run of its lineage (new files only).
  Status planned = admitted.is_ok()
                       ? plan_incremental_run(scheduler_, *admitted, unfinished_at_receipt)
                       : admitted.status();
  if (planned.is_ok()) core_.remove_files(std::move(admitted->stale_files));
  if (planned.is_ok()) planned = claim_output(scheduler_, *admitted);  // the directory is free
  if (!planned.is_ok()) {
    port_.send_to(peer, proto::ErrorReply{planned.message()});
    return Status::ok();
  }
  const JobRecord& record = admitted->record;
  SLUICE_ASSIGN_OR_RETURN(bool created, scheduler_.submit(record, admitted->partitions));
  if (created) {
    log_->info("job submitted job={} name={} partitions={} output={}", record.id, record.name,
               record.partitions_total, record.output_dir);
    port_.job_created(record);
    if (auto plan = join_plan_text(record)) log_->info("join planned job={} {}", record.id, *plan);
  } else {
    // The same job again: a failed one resumes; what it published stays.
    if (scheduler_.job(record.id)->state == JobState::kFailed) core_.before_resume(record.id);
    SLUICE_ASSIGN_OR_RETURN(bool resumed, scheduler_.resume(record.id));
    if (resumed) {
      log_->info("job resumed job={} name={} reason=submitted again after it failed", record.id,
                 record.name);
      core_.publish_committed(record.id);
    }
  }
  port_.send_to(peer, proto::SubmitReply{record.id, created,
                                         job_state_name(scheduler_.job(record.id)->state)});
  return Status::ok();
}

}  // namespace sluice
