#include "tests/sim/sim_coordinator.h"

#include "common/base/limits.h"

namespace sluice::sim {

SimCoordinator::SimCoordinator(World& world, std::shared_ptr<MemoryDisk> disk)
    : world_(world), disk_(std::move(disk)) {}

SimCoordinator::~SimCoordinator() = default;

Status SimCoordinator::start() {
  ledger_ = PartitionLedger::over(std::make_unique<MemoryStore>(disk_));
  scheduler_ = std::make_unique<Scheduler>(*ledger_, world_.clock);
  core_ = std::make_unique<CoordinatorCore>(*scheduler_, world_.clock, *this);
  world_.note("coordinator starts");
  SLUICE_RETURN_IF_ERROR(scheduler_->load());
  return core_->recover();
}

Status SimCoordinator::submit(AdmittedJob admitted) {
  SLUICE_RETURN_IF_ERROR(claim_output(*scheduler_, admitted));
  const std::string job_id = admitted.record.id;
  SLUICE_ASSIGN_OR_RETURN(bool created, scheduler_->submit(admitted.record, admitted.partitions));
  if (created) return Status::ok();
  // service.cc's on_submit: the same job again resumes a failed one.
  SLUICE_ASSIGN_OR_RETURN(bool resumed, scheduler_->resume(job_id));
  if (!resumed) return Status::ok();
  world_.note("job resumed");
  for (const AttemptRef& ref : scheduler_->unpublished()) {
    if (ref.job_id == job_id) SLUICE_RETURN_IF_ERROR(core_->publish(ref));
  }
  return Status::ok();
}

void SimCoordinator::crash(bool power_cut) {
  world_.note("coordinator crashes power_cut={}", power_cut);
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
  world_.note("coordinator leases {}#{} to {}{}", partition.index, attempt, worker,
              with_job_file ? " with the job file" : "");
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
  world_.note("coordinator decides {}#{} accepted={} committed={} reason={}", attempt.partition,
              attempt.attempt, outcome.accepted, outcome.committed.size(), outcome.reason);
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

// service.cc's dispatch, over the simulation's messages.
Status SimCoordinator::dispatch(const Message& message) {
  switch (message.kind) {
    case Kind::kRegister: {
      scheduler_->register_worker(message.from, message.count);
      Message welcome;
      welcome.kind = Kind::kWelcome;
      welcome.to = message.from;
      send(std::move(welcome));
      return Status::ok();
    }
    case Kind::kHeartbeat:
      SLUICE_RETURN_IF_ERROR(core_->on_worker_message(message.from));
      if (message.count == 0) scheduler_->on_idle_heartbeat(message.from);
      return Status::ok();
    case Kind::kRequestWork:
      SLUICE_RETURN_IF_ERROR(core_->on_worker_message(message.from));
      scheduler_->set_credit(message.from, message.count);
      return Status::ok();
    case Kind::kProgress:
      SLUICE_RETURN_IF_ERROR(core_->on_worker_message(message.from));
      scheduler_->on_progress(message.from, message.attempt);
      return Status::ok();
    case Kind::kDone:
      return core_->on_done(message.from, DoneReport{message.attempt, message.stats});
    case Kind::kFailed:
      return core_->on_failed(
          message.from,
          FailedReport{message.attempt,
                       message.count == kFailedNoFreeSlot  ? "worker has no free slot"
                       : message.count == kFailedNoJobFile ? "worker has not got the job's file"
                                                           : "simulated read error",
                       true, false, 0, /*no_free_slot=*/message.count == kFailedNoFreeSlot,
                       /*job_file_missing=*/message.count == kFailedNoJobFile});
    default:
      return Status::ok();
  }
}

Status SimCoordinator::round() {
  std::vector<Message> messages;
  messages.swap(inbox_);
  std::vector<const Message*> done_reports;
  if (!messages.empty()) {
    for (const Message& message : messages) {
      if (message.kind == Kind::kDone) {
        // The slot is free now; the attempt holds its lease until its report is handled.
        scheduler_->on_attempt_finished(message.from, message.attempt);
        done_reports.push_back(&message);
        continue;
      }
      Status status = dispatch(message);
      if (!status.is_ok()) world_.note("coordinator handling failed {}", status.to_string());
    }
    SLUICE_RETURN_IF_ERROR(core_->assign_tasks());
    for (const Message* message : done_reports) {
      Status status = dispatch(*message);
      if (!status.is_ok()) world_.note("coordinator handling failed {}", status.to_string());
    }
  }
  SLUICE_RETURN_IF_ERROR(core_->tick());
  const int64_t now = world_.now_ms();
  if (now - last_heartbeat_ms_ >= limits::kHeartbeatMs) {
    last_heartbeat_ms_ = now;
    for (const WorkerView& worker : scheduler_->workers()) {
      Message heartbeat;
      heartbeat.kind = Kind::kCoordinatorHeartbeat;
      heartbeat.to = worker.identity;
      heartbeat.count = static_cast<uint32_t>(worker.active);
      send(std::move(heartbeat));
    }
  }
  return Status::ok();
}

}  // namespace sluice::sim
