#include "tests/sim/sim_coordinator.h"

#include "common/base/limits.h"
#include "coordinator/incremental.h"
#include "coordinator/wire.h"

namespace sluice::sim {

SimCoordinator::SimCoordinator(World& world, std::shared_ptr<MemoryDisk> disk, Filesystem& files,
                               EffectExecutor& effects)
    : world_(world), disk_(std::move(disk)), files_(files), effects_(effects) {}

SimCoordinator::~SimCoordinator() = default;

Status SimCoordinator::start() {
  ledger_ = PartitionLedger::over(std::make_unique<MemoryStore>(disk_));
  scheduler_ = std::make_unique<Scheduler>(*ledger_, world_.clock);
  core_ = std::make_unique<CoordinatorCore>(*scheduler_, world_.clock, *this, files_, effects_);
  router_ = std::make_unique<Router>(*scheduler_, *core_, world_.clock, *this);
  router_->set_coordinator_id(kCoordinator);
  world_.note("coordinator starts");
  SLUICE_RETURN_IF_ERROR(scheduler_->load());
  return core_->recover();
}

Status SimCoordinator::submit(AdmittedJob admitted) {
  client_error_.clear();
  Result<AdmittedJob> result(std::move(admitted));
  SLUICE_RETURN_IF_ERROR(router_->finish_submit(kClient, result, unfinished_jobs(*scheduler_)));
  if (!client_error_.empty()) return internal_error("submission refused: " + client_error_);
  return Status::ok();
}

Status SimCoordinator::cancel(const std::string& job_id) {
  world_.note("user cancels the job");
  client_error_.clear();
  router_->handle_now(kClient, proto::Message(proto::CancelJob{job_id}));
  if (!client_error_.empty()) return internal_error("cancel refused: " + client_error_);
  return Status::ok();
}

void SimCoordinator::crash(bool power_cut) {
  world_.note("coordinator crashes power_cut={}", power_cut);
  router_.reset();
  core_.reset();
  scheduler_.reset();
  ledger_.reset();
  inbox_.clear();
  if (power_cut) disk_->power_cut();
}

void SimCoordinator::shut_down() {
  if (core_) core_->sweep();
}

void SimCoordinator::receive(Message message) { inbox_.push_back(std::move(message)); }

void SimCoordinator::send(Message message) {
  message.from = kCoordinator;
  world_.network.send(world_.now_ms(), std::move(message));
}

void SimCoordinator::send_task(const std::string& worker, const JobRecord& job,
                               const PartitionRecord& partition, uint32_t attempt,
                               bool with_job_file) {
  Message message;
  message.kind = Kind::kTask;
  message.to = worker;
  message.attempt = AttemptRef{job.id, partition.index, attempt};
  message.range = partition.range;
  message.start_is_exact = partition.start_is_exact;
  message.exact_start_offset = partition.exact_start_offset;
  if (with_job_file) message.job_file = job.spec_yaml;
  // The quarantine's fields as the product's Task carries them (wire.h).
  const proto::Task task = task_for(job, partition, attempt, with_job_file);
  message.isolating = task.isolating;
  message.isolate_from_offset = task.isolate_from_offset;
  message.skip_offsets = task.skip_offsets;
  message.is_bucket = partition.is_bucket;
  message.bucket_begin = partition.bucket_begin;
  message.bucket_end = partition.bucket_end;
  message.bucket_tasks = task.bucket_tasks;
  message.is_final = task.is_final_merge;
  message.sorted_output_count = task.sorted_output_count;
  message.temp_path = task.temp_path;
  message.join_right_side = task.join_right_side;
  // A lease sets the partition's attempt, except a straggler's twin's.
  const bool twin = partition.attempt != attempt;
  if (twin) world_.speculative_tasks++;
  world_.note("coordinator leases {} to {}{}{}", world_.attempt_name(message.attempt), worker,
              twin ? " (speculative)" : "", with_job_file ? " with the job file" : "");
  send(std::move(message));
}

void SimCoordinator::send_abort(const std::string& worker, const AttemptRef& attempt) {
  Message message;
  message.kind = Kind::kAbort;
  message.to = worker;
  message.attempt = attempt;
  send(std::move(message));
}

void SimCoordinator::send_commit_decision(const std::string& worker, const AttemptRef& attempt,
                                          const DoneOutcome& outcome) {
  world_.note("coordinator decides {} accepted={} committed={} reason={}",
              world_.attempt_name(attempt), outcome.accepted, outcome.committed.size(),
              outcome.reason);
  Message message;
  message.kind = Kind::kCommitDecision;
  message.to = worker;
  message.attempt = attempt;
  message.accepted = outcome.accepted;
  send(std::move(message));
}

void SimCoordinator::send_register_again(const std::string& worker) {
  Message message;
  message.kind = Kind::kRegisterAgain;
  message.to = worker;
  send(std::move(message));
}

void SimCoordinator::send_to(const std::string& peer, const proto::Message& message) {
  if (peer == kClient) {
    if (const auto* error = std::get_if<proto::ErrorReply>(&message))
      client_error_ = error->message;
    return;
  }
  Message out;
  out.to = peer;
  if (std::holds_alternative<proto::Welcome>(message)) {
    out.kind = Kind::kWelcome;
  } else if (const auto* heartbeat = std::get_if<proto::Heartbeat>(&message)) {
    out.kind = Kind::kCoordinatorHeartbeat;
    out.count = heartbeat->active_tasks;
  } else if (const auto* error = std::get_if<proto::ErrorReply>(&message)) {
    if (error->message != "register") return;
    out.kind = Kind::kRegisterAgain;
  } else if (const auto* ack = std::get_if<proto::ProgressAck>(&message)) {
    out.kind = Kind::kProgressAck;
    out.attempt = ack->attempt;
    out.checkpoint_seq = ack->checkpoint_seq;
  } else {
    return;
  }
  send(std::move(out));
}

void SimCoordinator::admit(const std::string& peer, const proto::SubmitJob& /*submit*/) {
  // Submissions come through submit(), admitted by the simulation itself.
  world_.note("coordinator got a SubmitJob from {} over the network", peer);
}

namespace {

// The simulation's message as the wire's (proto/messages.h).
proto::Message to_proto(const Message& message) {
  switch (message.kind) {
    case Kind::kRegister: {
      proto::Register registration;
      registration.worker_id = message.from;
      registration.slots = message.count;
      return registration;
    }
    case Kind::kRequestWork:
      return proto::RequestWork{message.count};
    case Kind::kProgress: {
      proto::Progress progress;
      progress.attempt = message.attempt;
      progress.checkpoint_seq = message.checkpoint_seq;
      progress.checkpoint_offset = message.checkpoint_offset;
      progress.checkpoint_rows = message.checkpoint_rows;
      return progress;
    }
    case Kind::kDone:
      return proto::Done{message.attempt, message.stats};
    case Kind::kFailed: {
      proto::Failed failed;
      failed.attempt = message.attempt;
      failed.no_free_slot = message.count == kFailedNoFreeSlot;
      failed.job_file_missing = message.count == kFailedNoJobFile;
      failed.message = failed.no_free_slot       ? "worker has no free slot"
                       : failed.job_file_missing ? "worker has not got the job's file"
                       : message.map_output_lost ? "map output missing"
                                                 : "simulated read error";
      failed.retryable = true;
      failed.map_output_lost = message.map_output_lost;
      failed.lost_map_task = message.lost_map_task;
      return failed;
    }
    case Kind::kHeartbeat:
    default:
      return proto::Heartbeat{message.count, 0};
  }
}

}  // namespace

// One round in the router's order (router.h): this round's messages (Done
// reports held), leases, the held Done reports, the tick and heartbeats.
Status SimCoordinator::round() {
  std::vector<Message> messages;
  messages.swap(inbox_);
  for (const Message& message : messages) router_->receive(message.from, to_proto(message));
  if (!messages.empty()) SLUICE_RETURN_IF_ERROR(router_->end_of_messages());
  return router_->tick();
}

}  // namespace sluice::sim
