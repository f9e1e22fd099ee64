// The Scheduler's jobs: loading them after a restart, submission, resumption,
// their end (finished, failed, cancelled) and the views the status page reads.
// Leases are in scheduler_leases.cc, commits in scheduler_commits.cc.
#include "coordinator/scheduler.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/base/assert.h"
#include "common/base/crash_point.h"
#include "common/base/log.h"
#include "common/spec/job_spec.h"
#include "coordinator/compiled_job.h"
#include "coordinator/incremental.h"

namespace sluice {

bool Scheduler::is_decided(PartitionState state) {
  return state == PartitionState::kCommitted || state == PartitionState::kPublished;
}

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
    // Compiled once, here: the ledger keeps only the job file. One that no
    // longer compiles (another version's) cannot run: a running job fails
    // (a submission of it again brings a compiled job and resumes it).
    auto compiled = compile_job_file(record);
    if (compiled.is_ok()) {
      record.compiled = std::move(compiled.value());
    } else if (record.state == JobState::kRunning) {
      record.state = JobState::kFailed;
      record.error = "its job file does not compile: " + compiled.status().message();
      record.finished_unix = unix_time_seconds();
      SLUICE_RETURN_IF_ERROR(ledger_.put_job(record));
      logger("coordinator")->error("job failed at load job={} error={}", record.id, record.error);
    }
    JobEntry entry;
    entry.record = std::move(record);
    entry.partitions = std::move(partitions);
    entry.eligible_at_ms.assign(entry.partitions.size(), 0);
    entry.leased_at_ms.assign(entry.partitions.size(), 0);
    entry.speculative = entry.record.speculative;
    index_files(entry);
    for (PartitionRecord& partition : entry.partitions) {
      if (partition.state == PartitionState::kLeased) partition.state = PartitionState::kPlanned;
    }
    for (const PartitionRecord& partition : entry.partitions) {
      if (partition.state == PartitionState::kPlanned && runnable(entry, partition.index)) {
        entry.planned.insert(partition.index);
      }
    }
    job_order_.push_back(entry.record.id);
    JobEntry& loaded = jobs_.emplace(entry.record.id, std::move(entry)).first->second;
    // A partition written just before a crash may be verifiable (its
    // predecessor committed) yet not committed; no Done would ever look at
    // it again. Commit it now; the loop's recovery publishes what this commits.
    if (loaded.record.state != JobState::kRunning) continue;
    std::set<uint32_t> files;
    for (PartitionRecord& partition : loaded.partitions) {
      if (partition.state != PartitionState::kWritten) continue;
      if (partition.is_bucket || partition.is_final) {
        DoneOutcome recovered;
        SLUICE_RETURN_IF_ERROR(commit(loaded, partition, recovered));
        continue;
      }
      files.insert(partition.range.file_index);
    }
    for (uint32_t file_index : files) {
      DoneOutcome recovered;
      SLUICE_RETURN_IF_ERROR(advance_commits(loaded, file_index, recovered));
    }
    // Every map output published, but the bucket tasks not planned yet (a
    // crash between the two).
    SLUICE_RETURN_IF_ERROR(advance_stages(loaded));
  }
  return Status::ok();
}

Result<bool> Scheduler::submit(const JobRecord& job,
                               const std::vector<PartitionRecord>& partitions) {
  if (auto known = jobs_.find(job.id); known != jobs_.end()) {
    // A job that did not compile at load gets the resubmission's.
    if (known->second.record.compiled == nullptr) known->second.record.compiled = job.compiled;
    return false;
  }
  SLUICE_ASSERT(job.compiled != nullptr, "job={} submitted without its compiled job", job.id);
  SLUICE_RETURN_IF_ERROR(ledger_.create_job(job, partitions));
  crash_point("planned");
  JobEntry entry;
  entry.record = job;
  entry.partitions = partitions;
  entry.eligible_at_ms.assign(partitions.size(), 0);
  entry.leased_at_ms.assign(partitions.size(), 0);
  entry.speculative = job.speculative;
  index_files(entry);
  for (const PartitionRecord& partition : partitions) entry.planned.insert(partition.index);
  job_order_.push_back(job.id);
  JobEntry& added = jobs_.emplace(job.id, std::move(entry)).first->second;
  // An aggregate over no input ranges: its one bucket task runs at once.
  SLUICE_RETURN_IF_ERROR(advance_stages(added));
  return true;
}

std::vector<std::string> Scheduler::finishable_jobs() const {
  std::vector<std::string> ids;
  for (const std::string& job_id : job_order_) {
    const JobEntry& job = jobs_.at(job_id);
    if (job.record.state != JobState::kRunning) continue;
    if (job.record.has_aggregate && !job.record.buckets_planned) continue;
    if (job.record.final_merge && !job.record.final_planned) continue;
    if (all_published(job)) ids.push_back(job_id);
  }
  return ids;
}

bool Scheduler::all_published(const JobEntry& job) {
  // Partitions are published in about the order they are planned: the scan
  // goes on from the first one found unpublished at the last call.
  for (; job.publish_scan_from < job.partitions.size(); ++job.publish_scan_from) {
    if (job.partitions[job.publish_scan_from].state != PartitionState::kPublished) return false;
  }
  return true;
}

void Scheduler::reset_scans(JobEntry& job) {
  job.maps_scan_from = 0;
  job.publish_scan_from = 0;
  job.commit_scan_from.clear();
}

void Scheduler::index_files(JobEntry& job) {
  job.file_begin.clear();
  job.file_end.clear();
  for (const PartitionRecord& partition : job.partitions) {
    if (partition.is_bucket || partition.is_final) continue;
    const uint32_t file = partition.range.file_index;
    if (file >= job.file_end.size()) {
      job.file_begin.resize(file + 1, UINT32_MAX);
      job.file_end.resize(file + 1, 0);
    }
    job.file_begin[file] = std::min(job.file_begin[file], partition.index);
    job.file_end[file] = std::max(job.file_end[file], partition.index + 1);
  }
  // A file without partitions (none: a file gets an entry from its first).
  for (size_t file = 0; file < job.file_begin.size(); ++file) {
    if (job.file_begin[file] == UINT32_MAX) job.file_begin[file] = 0;
  }
}

Status Scheduler::sync() { return ledger_.sync(); }

std::optional<std::string> Scheduler::reject_limit_error(const std::string& job_id) const {
  const JobEntry* job = find(job_id);
  if (job == nullptr) return std::nullopt;
  const JobTotals sums = totals(job_id);
  // The limits come from the job file, compiled at admission.
  if (job->record.compiled == nullptr) return std::nullopt;
  const RejectsSpec& limits = job->record.compiled->spec.rejects;
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
    // temporary files are collected, so its attempt's file may be gone. So
    // are an aggregate's partials (collect_temporary): all of it runs again.
    if (is_decided(partition.state) && !job->record.has_aggregate) continue;
    partition.state = PartitionState::kPlanned;
    partition.stats = PartStats{};
    partition.attempts_failed = 0;
    reset_scans(*job);
    SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job_id, partition));
    if (partition.is_bucket || partition.is_final) continue;  // waits for the map outputs
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
  jobs_ended_++;
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
  jobs_ended_++;
  job->record.error = error;
  job->record.finished_unix = unix_time_seconds();
  SLUICE_RETURN_IF_ERROR(ledger_.put_job(job->record));
  const JobTotals counts = totals(job_id);
  logger("coordinator")
      ->log(state == JobState::kFailed ? spdlog::level::err : spdlog::level::info,
            "job ended job={} name={} state={} reason=\"{}\" partitions_done={}/{} rows_in={} "
            "rows_out={} rows_filtered={} rows_rejected={}",
            job_id, job->record.name, job_state_name(state), error, counts.partitions_done,
            job->record.partitions_total, counts.rows_in, counts.rows_out, counts.rows_filtered,
            counts.rows_rejected);
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
  // Files Hive partition pruning left unplanned are never read.
  sums.bytes_total -= std::min(sums.bytes_total, job->record.hive_bytes_skipped);
  for (const PartitionRecord& partition : job->partitions) {
    if (!is_decided(partition.state)) continue;
    if (partition.state == PartitionState::kPublished) sums.partitions_done++;
    if (partition.is_bucket || partition.is_final) continue;  // counted by the map tasks
    sums.rows_in += partition.stats.rows_in;
    sums.rows_out += partition.stats.rows_out;
    sums.rows_filtered += partition.stats.rows_filtered;
    sums.rows_rejected += partition.stats.rows_rejected;
    sums.row_groups_skipped += partition.stats.row_groups_skipped;
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
