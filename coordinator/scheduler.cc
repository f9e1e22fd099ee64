#include "coordinator/scheduler.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/base/crash_point.h"
#include "common/base/limits.h"
#include "common/base/log.h"
#include "common/job/job_spec.h"
#include "coordinator/incremental.h"

namespace sluice {
namespace {

bool is_decided(PartitionState state) {
  return state == PartitionState::kCommitted || state == PartitionState::kPublished;
}

}  // namespace

Scheduler::Scheduler(PartitionLedger& ledger, const Clock& clock)
    : ledger_(ledger), clock_(clock) {}

Status Scheduler::load() {
  SLUICE_ASSIGN_OR_RETURN(auto seen, ledger_.load_seen_files());
  for (auto& [lineage, file] : seen) {
    const std::string path = file.identity.path;
    seen_[lineage][path] = std::move(file);
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<JobRecord> jobs, ledger_.load_jobs());
  std::sort(jobs.begin(), jobs.end(), [](const JobRecord& a, const JobRecord& b) {
    return std::tie(a.created_unix, a.id) < std::tie(b.created_unix, b.id);
  });
  for (JobRecord& record : jobs) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<PartitionRecord> partitions,
                            ledger_.load_partitions(record.id));
    JobEntry entry;
    entry.record = std::move(record);
    entry.partitions = std::move(partitions);
    entry.eligible_at_ms.assign(entry.partitions.size(), 0);
    entry.leased_at_ms.assign(entry.partitions.size(), 0);
    entry.speculative = entry.record.speculative;
    for (PartitionRecord& partition : entry.partitions) {
      if (partition.state == PartitionState::kLeased) partition.state = PartitionState::kPlanned;
      if (partition.state == PartitionState::kPlanned) entry.planned.insert(partition.index);
    }
    job_order_.push_back(entry.record.id);
    JobEntry& loaded = jobs_.emplace(entry.record.id, std::move(entry)).first->second;
    // A partition written just before a crash may be verifiable (its
    // predecessor committed) yet not committed; no Done would ever look at
    // it again. Commit it now; the loop's recovery publishes what this commits.
    if (loaded.record.state != JobState::kRunning) continue;
    std::set<uint32_t> files;
    for (const PartitionRecord& partition : loaded.partitions) {
      if (partition.state == PartitionState::kWritten) files.insert(partition.range.file_index);
    }
    for (uint32_t file_index : files) {
      DoneOutcome recovered;
      SLUICE_RETURN_IF_ERROR(advance_commits(loaded, file_index, recovered));
    }
  }
  return Status::ok();
}

Result<bool> Scheduler::submit(const JobRecord& job,
                               const std::vector<PartitionRecord>& partitions) {
  if (jobs_.count(job.id) != 0) return false;
  SLUICE_RETURN_IF_ERROR(ledger_.create_job(job, partitions));
  crash_point("planned");
  JobEntry entry;
  entry.record = job;
  entry.partitions = partitions;
  entry.eligible_at_ms.assign(partitions.size(), 0);
  entry.leased_at_ms.assign(partitions.size(), 0);
  entry.speculative = job.speculative;
  for (const PartitionRecord& partition : partitions) entry.planned.insert(partition.index);
  job_order_.push_back(job.id);
  jobs_.emplace(job.id, std::move(entry));
  return true;
}

void Scheduler::register_worker(const std::string& identity, uint32_t slots) {
  Worker& worker = workers_[identity];
  worker.slots = slots;
  worker.last_seen_ms = clock_.now_ms();
}

bool Scheduler::is_registered(const std::string& identity) const {
  return workers_.count(identity) != 0;
}

void Scheduler::touch(const std::string& identity) {
  auto it = workers_.find(identity);
  if (it != workers_.end()) it->second.last_seen_ms = clock_.now_ms();
}

void Scheduler::set_credit(const std::string& identity, uint32_t free_slots) {
  auto it = workers_.find(identity);
  if (it == workers_.end()) return;
  // Credit never exceeds what the worker can run beside its active attempts.
  const uint32_t active = static_cast<uint32_t>(it->second.attempts.size());
  const uint32_t room = it->second.slots > active ? it->second.slots - active : 0;
  it->second.credit = std::min(free_slots, room);
}

std::vector<std::string> Scheduler::expire_workers() {
  std::vector<std::string> expired;
  const int64_t now = clock_.now_ms();
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (now - it->second.last_seen_ms <= limits::kLeaseMs) {
      ++it;
      continue;
    }
    const std::string identity = it->first;
    const int64_t silent_ms = now - it->second.last_seen_ms;
    const std::set<AttemptRef> attempts = it->second.attempts;
    it = workers_.erase(it);
    expired.push_back(identity);
    for (const AttemptRef& attempt : attempts) {
      JobEntry* job = find(attempt.job_id);
      if (job == nullptr) continue;
      if (!is_active(*job, attempt.partition, attempt.attempt)) continue;
      if (job->leases[attempt.partition].size() > 1) {
        drop_attempt(*job, attempt.partition, attempt.attempt);  // its twin goes on
        continue;
      }
      Status status = release(
          *job, attempt.partition,
          fmt::format("worker {} lost its lease (no message for {} ms)", identity, silent_ms),
          true);
      if (!status.is_ok())
        logger("coordinator")->error("lease release failed: {}", status.to_string());
    }
  }
  // A live worker that never reports on an attempt does not run it: the Task
  // was lost (a reconnect dropped it). Without this the lease never expires.
  for (auto it = attempt_heard_ms_.begin(); it != attempt_heard_ms_.end();) {
    const AttemptRef attempt = it->first;
    JobEntry* job = find(attempt.job_id);
    if (job == nullptr || !is_active(*job, attempt.partition, attempt.attempt)) {
      it = attempt_heard_ms_.erase(it);
      continue;
    }
    const int64_t silent_ms = now - it->second;
    if (silent_ms <= limits::kLeaseMs) {
      ++it;
      continue;
    }
    it = attempt_heard_ms_.erase(it);
    logger("coordinator")
        ->warn("attempt lost job={} partition={} attempt={} reason=no progress for {} ms",
               attempt.job_id, attempt.partition, attempt.attempt, silent_ms);
    if (job->leases[attempt.partition].size() > 1) {
      drop_attempt(*job, attempt.partition, attempt.attempt);  // its twin goes on
      continue;
    }
    Status status = release(
        *job, attempt.partition,
        fmt::format("attempt {} lost (no progress for {} ms)", attempt.attempt, silent_ms), false);
    if (!status.is_ok())
      logger("coordinator")->error("lease release failed: {}", status.to_string());
  }
  return expired;
}

void Scheduler::on_progress(const std::string& identity, const AttemptRef& attempt) {
  auto heard = attempt_heard_ms_.find(attempt);
  auto worker = workers_.find(identity);
  if (heard == attempt_heard_ms_.end() || worker == workers_.end()) return;
  if (worker->second.attempts.count(attempt) != 0) heard->second = clock_.now_ms();
}

Result<std::vector<Assignment>> Scheduler::assign() {
  std::vector<Assignment> assignments;
  const int64_t now = clock_.now_ms();
  for (auto& [identity, worker] : workers_) {
    for (const std::string& job_id : job_order_) {
      JobEntry& job = jobs_.at(job_id);
      if (job.record.state != JobState::kRunning) continue;
      for (auto it = job.planned.begin(); it != job.planned.end() && worker.credit > 0;) {
        const uint32_t index = *it;
        if (job.eligible_at_ms[index] > now) {
          ++it;
          continue;
        }
        it = job.planned.erase(it);
        Assignment assignment;
        SLUICE_RETURN_IF_ERROR(lease(job, index, identity, assignment));
        worker.credit--;
        assignments.push_back(std::move(assignment));
      }
      if (worker.credit == 0) break;
    }
    if (worker.credit > 0) SLUICE_RETURN_IF_ERROR(speculate(identity, worker, assignments));
  }
  return assignments;
}

Status Scheduler::speculate(const std::string& identity, Worker& worker,
                            std::vector<Assignment>& out) {
  const int64_t now = clock_.now_ms();
  for (const std::string& job_id : job_order_) {
    JobEntry& job = jobs_.at(job_id);
    if (job.record.state != JobState::kRunning || !job.speculative || !job.planned.empty())
      continue;
    // Only near the end: two thirds of the partitions finished, so the median
    // is known and idle slots would otherwise wait for the stragglers.
    const size_t total = job.partitions.size();
    if (job.durations_ms.empty() || job.durations_ms.size() * 3 < total * 2) continue;
    std::vector<int64_t> durations = job.durations_ms;
    std::nth_element(durations.begin(), durations.begin() + durations.size() / 2, durations.end());
    const int64_t median_ms = durations[durations.size() / 2];
    const int64_t slow_ms =
        std::max(limits::kSpeculationMinMs, median_ms * limits::kSpeculationFactor);
    for (auto& [index, attempts] : job.leases) {
      if (worker.credit == 0) return Status::ok();
      if (attempts.size() != 1 || attempts.begin()->second == identity) continue;
      if (now - job.leased_at_ms[index] < slow_ms) continue;
      logger("coordinator")
          ->info("speculating job={} partition={} running_ms={} median_ms={}", job_id, index,
                 now - job.leased_at_ms[index], median_ms);
      Assignment assignment;
      SLUICE_RETURN_IF_ERROR(lease(job, index, identity, assignment, true));
      worker.credit--;
      out.push_back(std::move(assignment));
    }
  }
  return Status::ok();
}

bool Scheduler::is_leased(const AttemptRef& attempt) const {
  const JobEntry* job = find(attempt.job_id);
  return job != nullptr && is_active(*job, attempt.partition, attempt.attempt);
}

bool Scheduler::is_active(const JobEntry& job, uint32_t index, uint32_t attempt) const {
  auto attempts = job.leases.find(index);
  return attempts != job.leases.end() && attempts->second.count(attempt) != 0;
}

Status Scheduler::lease(JobEntry& job, uint32_t index, const std::string& identity, Assignment& out,
                        bool speculative) {
  PartitionRecord& partition = job.partitions[index];
  partition.state = PartitionState::kLeased;
  partition.attempts_started++;
  const uint32_t attempt = partition.attempts_started;
  if (!speculative) {
    partition.attempt = attempt;
    job.leased_at_ms[index] = clock_.now_ms();
  }
  // When the previous partition of the file is committed, its end is the
  // exact start: no guess needed.
  if (!partition.start_is_exact && index > 0) {
    const PartitionRecord& previous = job.partitions[index - 1];
    if (previous.range.file_index == partition.range.file_index && is_decided(previous.state)) {
      partition.start_is_exact = true;
      partition.exact_start_offset = previous.stats.end_offset;
    }
  }
  SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job.record.id, partition));
  crash_point("leased");
  job.leases[index][attempt] = identity;
  AttemptRef ref{job.record.id, index, attempt};
  workers_.at(identity).attempts.insert(ref);
  attempt_heard_ms_[ref] = clock_.now_ms();
  out = Assignment{identity, ref};
  return Status::ok();
}

void Scheduler::drop_attempt(JobEntry& job, uint32_t index, uint32_t attempt) {
  auto attempts = job.leases.find(index);
  if (attempts == job.leases.end()) return;
  auto lease = attempts->second.find(attempt);
  if (lease == attempts->second.end()) return;
  auto worker = workers_.find(lease->second);
  if (worker != workers_.end()) {
    worker->second.attempts.erase(AttemptRef{job.record.id, index, attempt});
  }
  attempts->second.erase(lease);
  if (attempts->second.empty()) job.leases.erase(attempts);
}

std::vector<Abort> Scheduler::drop_all_attempts(JobEntry& job, uint32_t index) {
  std::vector<Abort> aborts;
  auto attempts = job.leases.find(index);
  if (attempts == job.leases.end()) return aborts;
  const std::map<uint32_t, std::string> live = attempts->second;
  for (const auto& [attempt, identity] : live) {
    aborts.push_back(Abort{identity, AttemptRef{job.record.id, index, attempt}});
    drop_attempt(job, index, attempt);
  }
  return aborts;
}

Status Scheduler::release(JobEntry& job, uint32_t index, const std::string& error,
                          bool count_failure) {
  drop_all_attempts(job, index);
  PartitionRecord& partition = job.partitions[index];
  partition.last_error = error;
  if (count_failure) partition.attempts_failed++;
  if (count_failure && partition.attempts_failed >= job.record.max_attempts) {
    SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job.record.id, partition));
    auto stopped = stop_job(job.record.id, JobState::kFailed,
                            fmt::format("partition {} failed after {} attempts: {}", index,
                                        partition.attempts_failed, error));
    return stopped.status();
  }
  partition.state = PartitionState::kPlanned;
  SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job.record.id, partition));
  const int shift = static_cast<int>(std::min<uint32_t>(partition.attempts_failed, 6));
  job.eligible_at_ms[index] =
      count_failure ? clock_.now_ms() + (limits::kRetryBackoffMsMin << shift) / 2 : 0;
  job.planned.insert(index);
  return Status::ok();
}

Result<DoneOutcome> Scheduler::on_done(const std::string& identity, const DoneReport& report) {
  DoneOutcome outcome;
  JobEntry* job = find(report.attempt.job_id);
  if (job == nullptr || report.attempt.partition >= job->partitions.size()) {
    outcome.reason = "unknown job or partition";
    outcome.discarded.push_back(report.attempt);
    return outcome;
  }
  PartitionRecord& partition = job->partitions[report.attempt.partition];
  const bool current = partition.attempt == report.attempt.attempt;
  const bool active = is_active(*job, report.attempt.partition, report.attempt.attempt);
  // A report must fit its partition: the first record does not start before
  // the range (offsets of a compressed input count decompressed bytes, so
  // they may pass the file's size) and the rows add up.
  const PartStats& stats = report.stats;
  if (stats.start_offset < partition.range.begin_offset || stats.start_offset > stats.end_offset ||
      stats.rows_in != stats.rows_out + stats.rows_filtered + stats.rows_rejected) {
    outcome.reason =
        fmt::format("invalid report: offsets {}..{} for range {}..{}", stats.start_offset,
                    stats.end_offset, partition.range.begin_offset, partition.range.end_offset);
    outcome.discarded.push_back(report.attempt);
    if (active && job->leases[report.attempt.partition].size() > 1) {
      drop_attempt(*job, report.attempt.partition, report.attempt.attempt);
    } else if (active) {
      SLUICE_RETURN_IF_ERROR(release(*job, report.attempt.partition, outcome.reason, true));
    }
    return outcome;
  }
  if (is_decided(partition.state) && current && !active) {
    outcome.accepted = true;  // a duplicate report of the winner: nothing to do
    outcome.reason = "already committed";
    return outcome;
  }
  if (job->record.state != JobState::kRunning) {
    outcome.reason = fmt::format("job is {}", job_state_name(job->record.state));
    outcome.discarded.push_back(report.attempt);
    if (active) drop_attempt(*job, report.attempt.partition, report.attempt.attempt);
    return outcome;
  }
  if (partition.state != PartitionState::kLeased || !active) {
    outcome.reason = fmt::format("attempt {} is not the current lease (partition is {} attempt {})",
                                 report.attempt.attempt, partition_state_name(partition.state),
                                 partition.attempt);
    outcome.discarded.push_back(report.attempt);
    return outcome;
  }
  // The first complete attempt wins; a speculative twin still running is aborted.
  drop_attempt(*job, report.attempt.partition, report.attempt.attempt);
  outcome.aborts = drop_all_attempts(*job, report.attempt.partition);
  job->durations_ms.push_back(clock_.now_ms() - job->leased_at_ms[report.attempt.partition]);
  partition.attempt = report.attempt.attempt;
  partition.state = PartitionState::kWritten;
  partition.stats = report.stats;
  // Buffered: lost in a power cut, the partition reads "leased" after the
  // restart, so it is planned again and its temporary file collected. A
  // commit that follows is synced and carries this write with it.
  SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job->record.id, partition, Durability::kBuffered));
  outcome.accepted = true;
  SLUICE_RETURN_IF_ERROR(advance_commits(*job, partition.range.file_index, outcome));
  return outcome;
}

Status Scheduler::advance_commits(JobEntry& job, uint32_t file_index, DoneOutcome& outcome) {
  // Walk the file's partitions in order; commit each written one whose start
  // is verified by its committed predecessor.
  bool have_previous = false;
  uint64_t previous_end = 0;
  for (PartitionRecord& partition : job.partitions) {
    if (partition.range.file_index != file_index) continue;
    if (is_decided(partition.state)) {
      have_previous = true;
      previous_end = partition.stats.end_offset;
      continue;
    }
    if (partition.state != PartitionState::kWritten) return Status::ok();
    const bool first_of_file = partition.range.begin_offset == 0;
    if (!first_of_file && !have_previous) return Status::ok();
    const uint64_t expected_start = first_of_file ? partition.stats.start_offset : previous_end;
    const AttemptRef ref{job.record.id, partition.index, partition.attempt};
    if (partition.stats.start_offset != expected_start) {
      // The guess was wrong: a quoted field spans the boundary. Re-run from
      // the true start; this is not a failure of the attempt.
      logger("coordinator")
          ->info("speculative start refuted job={} partition={} guessed={} actual={}",
                 job.record.id, partition.index, partition.stats.start_offset, expected_start);
      outcome.discarded.push_back(ref);
      partition.start_is_exact = true;
      partition.exact_start_offset = expected_start;
      partition.stats = PartStats{};
      return release(job, partition.index, "speculative start refuted", false);
    }
    crash_point("before-commit");
    SLUICE_ASSIGN_OR_RETURN(CommitOutcome committed, ledger_.commit(job.record.id, partition));
    crash_point("committed");
    SLUICE_ASSERT(committed == CommitOutcome::kCommitted, "partition={} attempt={}",
                  partition.index, partition.attempt);
    partition.state = PartitionState::kCommitted;
    job.rejects_limit_count += partition.stats.rows_rejected;
    outcome.committed.push_back(ref);
    have_previous = true;
    previous_end = partition.stats.end_offset;
  }
  return Status::ok();
}

Status Scheduler::on_failed(const std::string& identity, const AttemptRef& attempt,
                            const std::string& message, bool retryable) {
  JobEntry* job = find(attempt.job_id);
  if (job == nullptr || attempt.partition >= job->partitions.size()) return Status::ok();
  PartitionRecord& partition = job->partitions[attempt.partition];
  if (!is_active(*job, attempt.partition, attempt.attempt)) return Status::ok();  // stale
  if (job->record.state != JobState::kRunning) {
    drop_attempt(*job, attempt.partition, attempt.attempt);
    return Status::ok();
  }
  if (retryable && job->leases[attempt.partition].size() > 1) {
    drop_attempt(*job, attempt.partition, attempt.attempt);  // its twin goes on
    return Status::ok();
  }
  if (!retryable) {
    drop_attempt(*job, attempt.partition, attempt.attempt);
    partition.last_error = message;
    return stop_job(job->record.id, JobState::kFailed,
                    fmt::format("partition {}: {}", attempt.partition, message))
        .status();
  }
  return release(*job, attempt.partition, message, true);
}

Status Scheduler::mark_published(const AttemptRef& attempt) {
  JobEntry* job = find(attempt.job_id);
  SLUICE_ASSERT(job != nullptr, "job={}", attempt.job_id);
  PartitionRecord& partition = job->partitions[attempt.partition];
  SLUICE_ASSERT(is_decided(partition.state), "partition={}", attempt.partition);
  if (partition.state == PartitionState::kPublished) return Status::ok();
  partition.state = PartitionState::kPublished;
  // Buffered: lost in a power cut, the partition reads "committed" after the
  // restart and is published again, which finds the part in place.
  return ledger_.put_partition(job->record.id, partition, Durability::kBuffered);
}

std::vector<AttemptRef> Scheduler::unpublished() const {
  std::vector<AttemptRef> refs;
  for (const std::string& job_id : job_order_) {
    const JobEntry& job = jobs_.at(job_id);
    if (job.record.state == JobState::kCancelled) continue;
    for (const PartitionRecord& partition : job.partitions) {
      if (partition.state == PartitionState::kCommitted) {
        refs.push_back(AttemptRef{job_id, partition.index, partition.attempt});
      }
    }
  }
  return refs;
}

std::vector<std::string> Scheduler::finishable_jobs() const {
  std::vector<std::string> ids;
  for (const std::string& job_id : job_order_) {
    const JobEntry& job = jobs_.at(job_id);
    if (job.record.state != JobState::kRunning) continue;
    const bool all_published =
        std::all_of(job.partitions.begin(), job.partitions.end(),
                    [](const PartitionRecord& p) { return p.state == PartitionState::kPublished; });
    if (all_published) ids.push_back(job_id);
  }
  return ids;
}

std::optional<std::string> Scheduler::reject_limit_error(const std::string& job_id) const {
  const JobEntry* job = find(job_id);
  if (job == nullptr) return std::nullopt;
  const JobTotals sums = totals(job_id);
  // The limits come from the job file; parse them lazily from the record.
  auto spec = parse_job_spec(job->record.spec_yaml, job->record.spec_file);
  if (!spec.is_ok()) return std::nullopt;
  const RejectsSpec& limits = spec->rejects;
  if (limits.max_count && sums.rows_rejected > *limits.max_count) {
    return fmt::format("too many rejects: {} rows rejected, rejects.max_count is {}",
                       sums.rows_rejected, *limits.max_count);
  }
  if (limits.max_ratio && sums.rows_in > 0) {
    const double ratio =
        static_cast<double>(sums.rows_rejected) / static_cast<double>(sums.rows_in);
    if (ratio > *limits.max_ratio) {
      return fmt::format("too many rejects: {} of {} rows ({:.2f}%), rejects.max_ratio is {}",
                         sums.rows_rejected, sums.rows_in, ratio * 100, *limits.max_ratio);
    }
  }
  return std::nullopt;
}

Result<bool> Scheduler::resume(const std::string& job_id) {
  JobEntry* job = find(job_id);
  if (job == nullptr || job->record.state != JobState::kFailed) return false;
  for (PartitionRecord& partition : job->partitions) {
    // Committed partitions stay. A written one runs again: a failed job's
    // temporary files are collected, so its attempt's file may be gone.
    if (is_decided(partition.state)) continue;
    partition.state = PartitionState::kPlanned;
    partition.stats = PartStats{};
    partition.attempts_failed = 0;
    SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job_id, partition));
    job->planned.insert(partition.index);
    job->eligible_at_ms[partition.index] = 0;
  }
  job->record.state = JobState::kRunning;
  job->record.error.clear();
  job->record.finished_unix = 0;
  SLUICE_RETURN_IF_ERROR(ledger_.put_job(job->record));
  return true;
}

Status Scheduler::mark_succeeded(const std::string& job_id) {
  JobEntry* job = find(job_id);
  SLUICE_ASSERT(job != nullptr, "job={}", job_id);
  job->record.state = JobState::kSucceeded;
  job->record.finished_unix = unix_time_seconds();
  if (job->record.lineage_id.empty()) return ledger_.put_job(job->record);
  // The run's files, and the changes it reported, are recorded with its end:
  // a crash before this batch leaves the run unfinished, and it runs again
  // (never a second run over the same files).
  std::map<std::string, SeenFile>& seen = seen_[job->record.lineage_id];
  std::vector<SeenFile> files = files_of_run(job->record, job->partitions);
  for (const InputChange& change : job->record.changes) {
    auto it = seen.find(change.before.path);
    if (change.reprocess || it == seen.end()) continue;
    SeenFile reported = it->second;
    reported.reported = change.now;
    files.push_back(std::move(reported));
  }
  SLUICE_RETURN_IF_ERROR(ledger_.put_job_and_seen(job->record, files));
  for (SeenFile& file : files) {
    const std::string path = file.identity.path;
    seen[path] = std::move(file);
  }
  return Status::ok();
}

const std::map<std::string, SeenFile>& Scheduler::seen_files(const std::string& lineage_id) const {
  static const std::map<std::string, SeenFile> kNone;
  auto it = seen_.find(lineage_id);
  return it == seen_.end() ? kNone : it->second;
}

Status Scheduler::supersede(const std::string& job_id, const std::string& reason) {
  JobEntry* job = find(job_id);
  SLUICE_ASSERT(job != nullptr, "job={}", job_id);
  SLUICE_ASSERT(job->record.state == JobState::kFailed, "job={}", job_id);
  job->record.state = JobState::kCancelled;
  job->record.error = reason;
  return ledger_.put_job(job->record);
}

Result<std::vector<Abort>> Scheduler::stop_job(const std::string& job_id, JobState state,
                                               const std::string& error) {
  std::vector<Abort> aborts;
  JobEntry* job = find(job_id);
  if (job == nullptr) return not_found("no job " + job_id);
  if (job->record.state != JobState::kRunning) return aborts;
  std::vector<uint32_t> leased;
  for (const auto& [index, attempts] : job->leases) leased.push_back(index);
  for (uint32_t index : leased) {
    for (Abort& abort : drop_all_attempts(*job, index)) aborts.push_back(std::move(abort));
  }
  job->planned.clear();
  job->record.state = state;
  job->record.error = error;
  job->record.finished_unix = unix_time_seconds();
  SLUICE_RETURN_IF_ERROR(ledger_.put_job(job->record));
  return aborts;
}

const JobRecord* Scheduler::job(const std::string& job_id) const {
  const JobEntry* entry = find(job_id);
  return entry == nullptr ? nullptr : &entry->record;
}

const PartitionRecord* Scheduler::partition(const std::string& job_id, uint32_t index) const {
  const JobEntry* entry = find(job_id);
  if (entry == nullptr || index >= entry->partitions.size()) return nullptr;
  return &entry->partitions[index];
}

std::vector<const JobRecord*> Scheduler::jobs() const {
  std::vector<const JobRecord*> records;
  for (const std::string& job_id : job_order_) records.push_back(&jobs_.at(job_id).record);
  return records;
}

JobTotals Scheduler::totals(const std::string& job_id) const {
  JobTotals sums;
  const JobEntry* job = find(job_id);
  if (job == nullptr) return sums;
  for (const InputFile& input : job->record.inputs) sums.bytes_total += input.size_bytes;
  for (const PartitionRecord& partition : job->partitions) {
    if (!is_decided(partition.state)) continue;
    if (partition.state == PartitionState::kPublished) sums.partitions_done++;
    sums.rows_in += partition.stats.rows_in;
    sums.rows_out += partition.stats.rows_out;
    sums.rows_filtered += partition.stats.rows_filtered;
    sums.rows_rejected += partition.stats.rows_rejected;
    sums.bytes_read += partition.range.end_offset - partition.range.begin_offset;
  }
  return sums;
}

std::vector<WorkerView> Scheduler::workers() const {
  std::vector<WorkerView> views;
  for (const auto& [identity, worker] : workers_) {
    views.push_back(WorkerView{identity, worker.slots, worker.credit, worker.last_seen_ms,
                               worker.attempts.size()});
  }
  return views;
}

Scheduler::JobEntry* Scheduler::find(const std::string& job_id) {
  auto it = jobs_.find(job_id);
  return it == jobs_.end() ? nullptr : &it->second;
}

const Scheduler::JobEntry* Scheduler::find(const std::string& job_id) const {
  auto it = jobs_.find(job_id);
  return it == jobs_.end() ? nullptr : &it->second;
}

}  // namespace sluice
