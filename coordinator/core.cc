#include "coordinator/core.h"

#include <exception>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "common/base/crash_point.h"
#include "common/base/limits.h"
#include "common/base/log.h"
#include "coordinator/planted_bugs.h"
#include "coordinator/s3_output.h"
#include "coordinator/wire.h"

namespace sluice {

CoordinatorCore::CoordinatorCore(Scheduler& scheduler, const Clock& clock, Outbox& outbox,
                                 Filesystem& files, EffectExecutor& effects)
    : scheduler_(scheduler),
      clock_(clock),
      outbox_(outbox),
      files_(files),
      effects_(effects),
      log_(logger("coordinator")),
      ended_jobs_(files) {}

Status CoordinatorCore::recover() {
  // What load() committed, and whatever a crashed process left in the WAL's
  // buffers, is durable before anything is renamed on its word.
  SLUICE_RETURN_IF_ERROR(scheduler_.sync());
  for (const AttemptRef& ref : scheduler_.unpublished()) SLUICE_RETURN_IF_ERROR(publish_now(ref));
  for (const JobRecord* job : scheduler_.jobs()) {
    if (is_final(job->state)) {
      collect_temporary(files_, *job);
      continue;
    }
    std::set<std::string> keep;
    for (uint32_t index = 0; index < job->partitions_total; ++index) {
      const PartitionRecord* partition = scheduler_.partition(job->id, index);
      if (partition->state != PartitionState::kWritten) continue;
      if (is_s3_output(*job)) {
        unconfirmed_uploads_[AttemptRef{job->id, index, partition->attempt}] =
            partition->stats.uploads;
      }
      for (std::string& file : attempt_files(*job, index, partition->attempt)) {
        keep.insert(std::move(file));
      }
    }
    remove_temporaries_except(files_, *job, keep);
    log_->info("job resumed job={} name={}", job->id, job->name);
  }
  ended_jobs_.seed(scheduler_.jobs());
  return Status::ok();
}

Status CoordinatorCore::on_worker_message(const std::string& identity) {
  if (scheduler_.is_registered(identity)) {
    scheduler_.touch(identity);
    return Status::ok();
  }
  outbox_.send_register_again(identity);
  return Status::ok();
}

Status CoordinatorCore::on_done(const std::string& identity, const DoneReport& report) {
  const int64_t received_ms = clock_.now_ms();
  scheduler_.touch(identity);
  // The temporary files must be there and whole before the attempt can
  // win (a report that is no candidate: the scheduler refuses it).
  const JobRecord* reported = scheduler_.job(report.attempt.job_id);
  std::optional<std::string> problem;
  if (reported != nullptr && scheduler_.is_leased(report.attempt)) {
    if (is_s3_output(*reported)) {
      problem = s3_uploads_problem(*reported, report.attempt.partition, report.stats);
    }
    if (!problem) {
      problem = temporary_files_problem(files_, *reported, report.attempt.partition,
                                        report.attempt.attempt, report.stats);
    }
  }
  if (problem) {
    if (reported != nullptr && is_s3_output(*reported)) {
      abort_uploads(*reported, report.stats.uploads);
    }
    log_->warn("done refused job={} partition={} attempt={} reason={}", report.attempt.job_id,
               report.attempt.partition, report.attempt.attempt, *problem);
    return scheduler_.on_failed(identity, report.attempt, *problem, true);
  }
  bool unconfirmed = false;  // this report's uploads are new in unconfirmed_uploads_
  if (reported != nullptr && is_s3_output(*reported)) {
    unconfirmed = unconfirmed_uploads_.emplace(report.attempt, report.stats.uploads).second;
  }
  SLUICE_ASSIGN_OR_RETURN(DoneOutcome outcome, scheduler_.on_done(identity, report));
  send_aborts(outcome.aborts);
  for (const AttemptRef& ref : outcome.discarded) {
    const JobRecord* job = scheduler_.job(ref.job_id);
    if (auto found = unconfirmed_uploads_.find(ref); found != unconfirmed_uploads_.end()) {
      if (job != nullptr) abort_uploads(*job, found->second);
      unconfirmed_uploads_.erase(found);
    }
    if (job == nullptr) continue;
    discard_attempt(files_, *job, ref.partition, ref.attempt);
    // A late attempt of a finished job recreated its temporary directory.
    if (job->state == JobState::kSucceeded) collect_temporary(files_, *job);
  }
  for (const AttemptRef& ref : outcome.committed) unconfirmed_uploads_.erase(ref);
  // Refused, not discarded: a second Done of an attempt written or won,
  // whose uploads stay (or were completed).
  if (!outcome.accepted && unconfirmed) unconfirmed_uploads_.erase(report.attempt);
  if (!outcome.accepted) {
    metrics_.attempts_refused++;
    log_->info("attempt refused job={} partition={} attempt={} reason={}", report.attempt.job_id,
               report.attempt.partition, report.attempt.attempt, outcome.reason);
  }
  // Its commits are buffered: the decision and the renames wait for flush().
  unsent_decisions_.push_back(Decision{identity, report.attempt, std::move(outcome), received_ms});
  if (planted_bugs().publish_before_sync) return flush_decisions();
  return Status::ok();
}

Status CoordinatorCore::flush() {
  if (unsent_tasks_.empty() && unsent_decisions_.empty()) {
    submit_renames();  // what a full executor refused before
    return Status::ok();
  }
  SLUICE_RETURN_IF_ERROR(scheduler_.sync());
  crash_point("round-synced");
  std::vector<Assignment> tasks;
  tasks.swap(unsent_tasks_);
  for (const Assignment& assignment : tasks) {
    // A lease of the round may be gone already (a twin aborted by a Done of
    // the same round, a stopped job): its Task is not sent.
    if (!scheduler_.is_leased(assignment.attempt)) continue;
    const JobRecord& job = *scheduler_.job(assignment.attempt.job_id);
    const PartitionRecord& partition =
        *scheduler_.partition(assignment.attempt.job_id, assignment.attempt.partition);
    const bool with_job_file = job_files_sent_.must_carry(assignment.worker, job.id);
    outbox_.send_task(assignment.worker, job, partition, assignment.attempt.attempt, with_job_file);
    metrics_.tasks_dispatched++;
    log_->debug("task sent job={} partition={} attempt={} worker={} job_file={}", job.id,
                partition.index, assignment.attempt.attempt, printable(assignment.worker),
                with_job_file);
  }
  return flush_decisions();
}

Status CoordinatorCore::flush_decisions() {
  std::vector<Decision> decisions;
  decisions.swap(unsent_decisions_);
  for (const Decision& decision : decisions) {
    outbox_.send_commit_decision(decision.worker, decision.attempt, decision.outcome);
  }
  for (const Decision& decision : decisions) {
    for (const AttemptRef& ref : decision.outcome.committed) {
      unsubmitted_renames_.push_back(CommittedAttempt{ref, decision.received_ms});
    }
  }
  submit_renames();
  return Status::ok();
}

Status CoordinatorCore::publish_now(const AttemptRef& ref) {
  const JobRecord* job = scheduler_.job(ref.job_id);
  const PartitionRecord* partition = scheduler_.partition(ref.job_id, ref.partition);
  const Status published = rename_into_place(files_, *job, *partition);
  if (!published.is_ok()) return publish_failed(ref, published);
  return scheduler_.mark_published(ref);
}

Status CoordinatorCore::on_failed(const std::string& identity, const FailedReport& report) {
  scheduler_.touch(identity);
  const AttemptRef& ref = report.attempt;
  log_->warn("attempt failed job={} partition={} attempt={} retryable={} error={}", ref.job_id,
             ref.partition, ref.attempt, report.retryable, report.message);
  // Only a live attempt's files go: a stale report (its lease gone, or its
  // Done accepted since — a refused Task's duplicate ran) leaves them to the
  // attempt that owns them, or to the job's end.
  const JobRecord* job = scheduler_.job(ref.job_id);
  if (job != nullptr && scheduler_.is_leased(ref)) {
    discard_attempt(files_, *job, ref.partition, ref.attempt);
  }
  if (report.retryable) metrics_.retries++;
  if (report.map_output_lost) {
    return scheduler_.on_map_output_lost(identity, ref, report.lost_map_task, report.message);
  }
  if (report.no_free_slot) {
    return scheduler_.on_refused(identity, ref, report.message);
  }
  if (report.job_file_missing) {
    job_files_sent_.forget(identity, ref.job_id);  // its next Task there carries the file
    return scheduler_.on_job_file_missing(identity, ref, report.message);
  }
  return scheduler_.on_failed(identity, ref, report.message, report.retryable);
}

Status CoordinatorCore::stop(const std::string& job_id, JobState state, const std::string& error) {
  if (ending(job_id)) {
    // Its end is writing the manifest: the stop waits for its outcome.
    stops_while_ending_.emplace(job_id, std::make_pair(state, error));
    return Status::ok();
  }
  // What the round committed is published first, as it would have been
  // before the job stopped (a stopped job's temporary files are collected,
  // never under a rename in flight): the renames are done before the stop
  // is recorded, so a crash meanwhile leaves the job running, and its
  // cancel, asked again, collects what they published.
  SLUICE_RETURN_IF_ERROR(flush());
  effects_.wait_until([&] { return !changing_output(job_id); });
  SLUICE_ASSIGN_OR_RETURN(std::vector<Abort> aborts, scheduler_.stop_job(job_id, state, error));
  send_aborts(aborts);  // the scheduler logged the job's end
  // Its written attempts will not be committed now: their uploads go.
  for (auto it = unconfirmed_uploads_.begin(); it != unconfirmed_uploads_.end();) {
    if (it->first.job_id != job_id) {
      ++it;
      continue;
    }
    if (const JobRecord* job = scheduler_.job(job_id)) abort_uploads(*job, it->second);
    it = unconfirmed_uploads_.erase(it);
  }
  // Its leftovers go before anyone hears it ended (a cancel's reply), once
  // its aborts in flight are done.
  effects_.wait_until([&] { return !changing_output(job_id); });
  collect_ended_jobs();
  return Status::ok();
}

void CoordinatorCore::send_aborts(const std::vector<Abort>& aborts) {
  for (const Abort& abort : aborts) outbox_.send_abort(abort.worker, abort.attempt);
}

Status CoordinatorCore::tick() {
  // What a job end's completion hit (run between rounds) stops the loop as
  // it would have inside the tick.
  SLUICE_RETURN_IF_ERROR(std::exchange(completion_failure_, Status::ok()));
  SLUICE_RETURN_IF_ERROR(flush());
  for (const std::string& identity : scheduler_.expire_workers()) {
    job_files_sent_.forget_worker(identity);
    metrics_.lease_expiries++;
    log_->warn("worker expired worker={} reason=no message for {} ms", printable(identity),
               limits::kLeaseMs);
  }
  SLUICE_RETURN_IF_ERROR(assign_tasks());
  SLUICE_RETURN_IF_ERROR(flush());
  for (const std::string& job_id : scheduler_.finishable_jobs()) {
    if (ending(job_id)) continue;
    if (auto error = scheduler_.reject_limit_error(job_id)) {
      SLUICE_RETURN_IF_ERROR(stop(job_id, JobState::kFailed, *error));
      continue;
    }
    submit_job_end(job_id);
    // An inline executor ran the completion already: a failure it hit stops here.
    if (Status failed = std::exchange(completion_failure_, Status::ok()); !failed.is_ok()) {
      return failed;
    }
  }
  collect_ended_jobs();  // a failed or cancelled job leaves no temporaries
  forget_ended_jobs();
  return Status::ok();
}

bool CoordinatorCore::submit_job_end(const std::string& job_id) {
  // The effect reads its own copy of the job record, and the partition
  // records in place: the scheduler changes no record of a published
  // partition while its job runs, and keeps them where they are.
  const JobRecord& record = *scheduler_.job(job_id);
  const PartitionRecord* partitions =
      record.partitions_total > 0 ? scheduler_.partition(job_id, 0) : nullptr;
  std::map<std::string, SeenFile> lineage_files;
  if (!record.lineage_id.empty()) lineage_files = scheduler_.seen_files(record.lineage_id);
  ending_.insert(job_id);
  EffectExecutor::Effect effect = [this, job = record, partitions,
                                   lineage_files = std::move(lineage_files)]() mutable {
    auto partition_at = [partitions](uint32_t index) -> const PartitionRecord& {
      return partitions[index];
    };
    Status finished = Status::ok();
    try {
      finished = finish_output(files_, job, partition_at, lineage_files);
    } catch (const std::exception& error) {
      finished = internal_error(std::string("the job's end failed: ") + error.what());
    }
    return EffectExecutor::Completion([this, job_id = job.id, finished]() {
      Status done = on_job_end(job_id, finished);
      if (!done.is_ok() && completion_failure_.is_ok()) completion_failure_ = done;
    });
  };
  if (effects_.submit(std::move(effect))) return true;
  ending_.erase(job_id);
  return false;
}

Status CoordinatorCore::on_job_end(const std::string& job_id, const Status& finished) {
  ending_.erase(job_id);
  std::optional<std::pair<JobState, std::string>> stop_asked;
  if (auto it = stops_while_ending_.find(job_id); it != stops_while_ending_.end()) {
    stop_asked = std::move(it->second);
    stops_while_ending_.erase(it);
  }
  const JobRecord* record = scheduler_.job(job_id);
  if (record == nullptr || record->state != JobState::kRunning) return Status::ok();
  if (!finished.is_ok()) {
    if (stop_asked) return stop(job_id, stop_asked->first, stop_asked->second);
    return stop(job_id, JobState::kFailed, finished.message());
  }
  crash_point("finished-output");
  SLUICE_RETURN_IF_ERROR(scheduler_.mark_succeeded(job_id));
  const JobRecord& job = *scheduler_.job(job_id);
  collect_temporary(files_, job);  // an incremental run's replaced parts go now
  const JobTotals counts = scheduler_.totals(job_id);
  log_->info(
      "job ended job={} name={} state=succeeded output={} partitions={} rows_in={} "
      "rows_out={} rows_filtered={} rows_rejected={}",
      job_id, job.name, job.output_dir, job.partitions_total, counts.rows_in, counts.rows_out,
      counts.rows_filtered, counts.rows_rejected);
  return Status::ok();
}

void CoordinatorCore::forget_ended_jobs() {
  if (jobs_ended_seen_ == scheduler_.jobs_ended()) return;
  jobs_ended_seen_ = scheduler_.jobs_ended();
  for (const JobRecord* job : scheduler_.jobs()) {
    if (job->state != JobState::kRunning) job_files_sent_.forget_job(job->id);
  }
}

Status CoordinatorCore::assign_tasks() {
  SLUICE_ASSIGN_OR_RETURN(std::vector<Assignment> assignments, scheduler_.assign());
  for (Assignment& assignment : assignments) unsent_tasks_.push_back(std::move(assignment));
  return Status::ok();
}

void CoordinatorCore::sweep() {
  effects_.wait_until([&] { return output_effects_in_flight() == 0; });
  ended_jobs_.sweep(scheduler_.jobs());
}

void CoordinatorCore::collect_ended_jobs() {
  ended_jobs_.collect(scheduler_.jobs(),
                      [this](const std::string& job_id) { return changing_output(job_id); });
}

}  // namespace sluice
