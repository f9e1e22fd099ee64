// CoordinatorCore's output effects (core.h): what a round committed is renamed
// into place off the loop, one effect per round (effects.h), once the
// round's sync has made the commits durable; the effect's completion
// records the partitions published. While a job's renames are in flight
// nothing of it is collected: a stop waits for them (stop()), a job that
// ended otherwise is collected at a later round (collect_ended_jobs()). An
// S3 output's uploads that will never be published are aborted the same
// way, counted with the renames.
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "common/base/crash_point.h"
#include "common/base/log.h"
#include "coordinator/core.h"
#include "coordinator/output_paths.h"
#include "coordinator/s3_output.h"

namespace sluice {

struct CoordinatorCore::Rename {
  AttemptRef ref;
  std::shared_ptr<const JobRecord> job;  // a copy: the effect runs off the loop
  PartitionRecord partition;             // a copy of the committed record
  int64_t received_ms = 0;               // when its Done came (the commit's latency)
};

Status CoordinatorCore::rename_into_place(Filesystem& files, const JobRecord& job,
                                          const PartitionRecord& partition) {
  // An s3:// output: a map or sorted output of an exchange is renamed into
  // the exchange directory; the uploads (parts, rejects) are completed.
  Status published = !is_s3_output(job) || !writes_part(job, partition.index)
                         ? publish_partition(files, job, partition)
                         : Status::ok();
  if (published.is_ok() && is_s3_output(job)) published = publish_s3_partition(job, partition);
  if (!published.is_ok()) return published;
  crash_point("renamed");
  crash_point(partition.is_bucket ? "bucket-renamed" : "map-renamed");
  return Status::ok();
}

Status CoordinatorCore::publish_failed(const AttemptRef& ref, const Status& failed) {
  // The commit stands; the rename is retried at the next restart (or when
  // the job is resumed). The job cannot finish without it: it fails.
  log_->error("publish failed job={} partition={} error={}", ref.job_id, ref.partition,
              failed.to_string());
  const JobRecord* job = scheduler_.job(ref.job_id);
  if (job == nullptr || job->state != JobState::kRunning) return Status::ok();
  return stop(
      ref.job_id, JobState::kFailed,
      "cannot publish partition " + std::to_string(ref.partition) + ": " + failed.message());
}

void CoordinatorCore::submit_renames() {
  if (unsubmitted_renames_.empty()) return;
  // Taken out first: an inline executor runs the completion inside submit(),
  // and a rename that failed stops its job, which flushes again.
  std::vector<CommittedAttempt> pending;
  pending.swap(unsubmitted_renames_);
  std::vector<Rename> renames;
  renames.reserve(pending.size());
  std::map<std::string, std::shared_ptr<const JobRecord>> jobs;
  std::map<std::string, size_t> per_job;
  for (const CommittedAttempt& committed : pending) {
    const AttemptRef& ref = committed.ref;
    const JobRecord* job = scheduler_.job(ref.job_id);
    const PartitionRecord* partition =
        job != nullptr ? scheduler_.partition(ref.job_id, ref.partition) : nullptr;
    // Still this attempt's commit to carry out.
    if (partition == nullptr || partition->state != PartitionState::kCommitted ||
        partition->attempt != ref.attempt) {
      continue;
    }
    std::shared_ptr<const JobRecord>& copy = jobs[ref.job_id];
    if (!copy) copy = std::make_shared<const JobRecord>(*job);
    renames.push_back(Rename{ref, copy, *partition, committed.received_ms});
    per_job[ref.job_id]++;
  }
  if (renames.empty()) return;
  count_output_effects(per_job, true);
  EffectExecutor::Effect effect = [this, renames = std::move(renames)]() mutable {
    std::vector<Status> results;
    results.reserve(renames.size());
    for (const Rename& rename : renames) {
      try {
        results.push_back(rename_into_place(files_, *rename.job, rename.partition));
      } catch (const std::exception& error) {
        results.push_back(internal_error(std::string("the rename failed: ") + error.what()));
      }
      count_output_effects({{rename.ref.job_id, 1}}, false);
    }
    return EffectExecutor::Completion(
        [this, renames = std::move(renames), results = std::move(results)]() {
          Status done = on_renamed(renames, results);
          if (!done.is_ok() && completion_failure_.is_ok()) completion_failure_ = done;
        });
  };
  if (!effects_.submit(std::move(effect))) {
    // The executor is full: they wait for the next round.
    count_output_effects(per_job, false);
    unsubmitted_renames_.insert(unsubmitted_renames_.begin(), pending.begin(), pending.end());
  }
}

Status CoordinatorCore::on_renamed(const std::vector<Rename>& renames,
                                   const std::vector<Status>& results) {
  for (size_t i = 0; i < renames.size(); ++i) {
    const AttemptRef& ref = renames[i].ref;
    if (!results[i].is_ok()) {
      SLUICE_RETURN_IF_ERROR(publish_failed(ref, results[i]));
      continue;
    }
    // A job stopped and resumed meanwhile may have planned the partition
    // again: only the attempt that was renamed is recorded published.
    const PartitionRecord* partition = scheduler_.partition(ref.job_id, ref.partition);
    if (partition == nullptr || partition->state != PartitionState::kCommitted ||
        partition->attempt != ref.attempt) {
      continue;
    }
    SLUICE_RETURN_IF_ERROR(scheduler_.mark_published(ref));
    metrics_.commits++;
    metrics_.commit_seconds_sum +=
        static_cast<double>(clock_.now_ms() - renames[i].received_ms) / 1000.0;
  }
  return Status::ok();
}

void CoordinatorCore::abort_uploads(const JobRecord& job,
                                    const std::vector<S3UploadRecord>& uploads) {
  if (uploads.empty()) return;
  count_output_effects({{job.id, 1}}, true);
  EffectExecutor::Effect effect = [this, job = std::make_shared<const JobRecord>(job), uploads]() {
    abort_s3_uploads(*job, uploads);  // logs what it could not abort
    count_output_effects({{job->id, 1}}, false);
    return EffectExecutor::Completion();
  };
  if (effects_.submit(std::move(effect))) return;
  count_output_effects({{job.id, 1}}, false);
  abort_s3_uploads(job, uploads);
}

void CoordinatorCore::remove_files(std::vector<std::string> paths) {
  if (paths.empty()) return;
  auto remove_each = [this](const std::vector<std::string>& names) {
    for (const std::string& path : names) (void)files_.remove(path);
  };
  EffectExecutor::Effect effect = [remove_each, paths]() {
    remove_each(paths);
    return EffectExecutor::Completion();
  };
  if (!effects_.submit(std::move(effect))) remove_each(paths);
}

void CoordinatorCore::count_output_effects(const std::map<std::string, size_t>& per_job,
                                           bool started) {
  std::lock_guard lock(output_effects_mutex_);
  for (const auto& [job_id, count] : per_job) {
    size_t& in_flight = output_effects_[job_id];
    in_flight = started ? in_flight + count : in_flight - count;
    if (in_flight == 0) output_effects_.erase(job_id);
  }
}

bool CoordinatorCore::changing_output(const std::string& job_id) const {
  std::lock_guard lock(output_effects_mutex_);
  return output_effects_.count(job_id) > 0;
}

size_t CoordinatorCore::output_effects_in_flight() const {
  std::lock_guard lock(output_effects_mutex_);
  size_t total = 0;
  for (const auto& [job_id, count] : output_effects_) total += count;
  return total;
}

void CoordinatorCore::before_resume(const std::string& job_id) {
  effects_.wait_until([&] { return !changing_output(job_id); });
  collect_ended_jobs();  // what it left when it failed, before it runs again
}

void CoordinatorCore::publish_committed(const std::string& job_id) {
  for (const AttemptRef& ref : scheduler_.unpublished()) {
    if (ref.job_id == job_id)
      unsubmitted_renames_.push_back(CommittedAttempt{ref, clock_.now_ms()});
  }
  submit_renames();
}

}  // namespace sluice
