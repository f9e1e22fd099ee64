// The Scheduler's commits: a Done report is checked against its lease and
// partition, then a file's written partitions are committed in order, each
// once its speculative start is verified by its committed predecessor's end;
// committed partitions are then marked published.
#include <fmt/format.h>

#include <algorithm>

#include "common/base/assert.h"
#include "common/base/crash_point.h"
#include "common/base/log.h"
#include "coordinator/output_paths.h"
#include "coordinator/planted_bugs.h"
#include "coordinator/scheduler.h"

namespace sluice {

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
  const std::optional<std::string> files_problem =
      partition_files_problem(job->record, report.attempt.partition, stats);
  if (stats.start_offset < partition.range.begin_offset || stats.start_offset > stats.end_offset ||
      stats.rows_in != stats.rows_out + stats.rows_filtered + stats.rows_rejected ||
      files_problem) {
    outcome.reason = files_problem
                         ? "invalid report: " + *files_problem
                         : fmt::format("invalid report: offsets {}..{} for range {}..{}",
                                       stats.start_offset, stats.end_offset,
                                       partition.range.begin_offset, partition.range.end_offset);
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
  if (partition.state == PartitionState::kWritten && current && !active) {
    // The report again of an attempt waiting for its commit: its files stay.
    outcome.accepted = true;
    outcome.reason = "already written";
    return outcome;
  }
  // Planted (planted_bugs.h): the report of a stopped job's last lease
  // taken as if the job still ran.
  const bool planted_late_done = planted_bugs().late_done_of_stopped_job &&
                                 job->record.state != JobState::kRunning &&
                                 partition.state == PartitionState::kLeased && current;
  if (job->record.state != JobState::kRunning && !planted_late_done) {
    outcome.reason = fmt::format("job is {}", job_state_name(job->record.state));
    outcome.discarded.push_back(report.attempt);
    if (active) drop_attempt(*job, report.attempt.partition, report.attempt.attempt);
    return outcome;
  }
  if (partition.state != PartitionState::kLeased ||
      (!active && !planted_bugs().accept_done_without_lease && !planted_late_done)) {
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
  outcome.accepted = true;
  if (partition.is_bucket || partition.is_final) {
    // Nothing to verify: a bucket or merge task reads whole committed files.
    SLUICE_RETURN_IF_ERROR(commit(*job, partition, outcome));
    return outcome;
  }
  SLUICE_RETURN_IF_ERROR(advance_commits(*job, partition.range.file_index, outcome));
  // Written, waiting for its predecessor: recorded, buffered. Lost in a
  // power cut, the partition reads "leased" after the restart, so it is
  // planned again and its temporary file collected. (Committed at once, the
  // commit's record says more; refuted, release() wrote it planned.)
  if (partition.state == PartitionState::kWritten) {
    SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job->record.id, partition, Durability::kBuffered));
  }
  return outcome;
}

Status Scheduler::advance_commits(JobEntry& job, uint32_t file_index, DoneOutcome& outcome) {
  // Walk the file's partitions in order; commit each written one whose start
  // is verified by its committed predecessor. The walk starts after the
  // file's partitions known decided (commit_scan_from): a Done costs O(1)
  // partitions, not O(P).
  bool have_previous = false;
  uint64_t previous_end = 0;
  const bool indexed = file_index < job.file_end.size();
  uint32_t& scan_from =
      job.commit_scan_from.try_emplace(file_index, indexed ? job.file_begin[file_index] : 0)
          .first->second;
  if (scan_from > 0) {
    const PartitionRecord& previous = job.partitions[scan_from - 1];
    if (!previous.is_bucket && !previous.is_final && previous.range.file_index == file_index &&
        is_decided(previous.state)) {
      have_previous = true;
      previous_end = previous.stats.end_offset;
    }
  }
  const uint32_t end = indexed ? std::min<uint32_t>(job.file_end[file_index],
                                                    static_cast<uint32_t>(job.partitions.size()))
                               : static_cast<uint32_t>(job.partitions.size());
  // The walk goes on only past decided partitions (and other files'), so
  // every partition it leaves behind is decided: the next walk starts there.
  for (uint32_t index = scan_from; index < end; ++index) {
    PartitionRecord& partition = job.partitions[index];
    if (partition.is_bucket || partition.is_final || partition.range.file_index != file_index) {
      scan_from = index + 1;
      continue;
    }
    if (is_decided(partition.state)) {
      have_previous = true;
      previous_end = partition.stats.end_offset;
      scan_from = index + 1;
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
    SLUICE_RETURN_IF_ERROR(commit(job, partition, outcome));
    have_previous = true;
    previous_end = partition.stats.end_offset;
    scan_from = index + 1;
  }
  return Status::ok();
}

Status Scheduler::commit(JobEntry& job, PartitionRecord& partition, DoneOutcome& outcome) {
  crash_point("before-commit");
  // Buffered (group commit): durable at the round's sync(), before which
  // CoordinatorCore renames nothing and replies nothing (core.h, flush).
  SLUICE_ASSIGN_OR_RETURN(CommitOutcome committed,
                          ledger_.commit(job.record.id, partition, Durability::kBuffered));
  crash_point("committed");
  SLUICE_ASSERT(committed == CommitOutcome::kCommitted, "partition={} attempt={}", partition.index,
                partition.attempt);
  partition.state = PartitionState::kCommitted;
  job.rejects_limit_count += partition.stats.rows_rejected;
  outcome.committed.push_back(AttemptRef{job.record.id, partition.index, partition.attempt});
  return Status::ok();
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
  SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job->record.id, partition, Durability::kBuffered));
  if (job->record.has_aggregate && !partition.is_final) return advance_stages(*job);
  return Status::ok();
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

}  // namespace sluice
