// The Scheduler's stages: an aggregate job is a map stage (one task per input
// range, writing hash-partitioned partial states) and a bucket stage (one task
// per run of buckets, merging them into a part), joined by an exchange. The
// bucket tasks are planned when every map output is published, from the
// bytes those hold; a bucket task runs only while every map output it reads
// is published. docs/ARCHITECTURE.md, "Stages and exchanges".
#include <fmt/format.h>

#include <algorithm>

#include "common/base/assert.h"
#include "common/base/crash_point.h"
#include "common/base/log.h"
#include "common/exchange/exchange.h"
#include "common/spec/job_spec.h"
#include "coordinator/compiled_job.h"
#include "coordinator/planted_bugs.h"
#include "coordinator/scheduler.h"

namespace sluice {

bool Scheduler::maps_published(const JobEntry& job) {
  // Scans on from the first map task not published at the last call: a
  // job's map tasks are checked once each over its life, not once per
  // publication (a map task planned again resets the scan).
  for (; job.maps_scan_from < job.record.map_tasks && job.maps_scan_from < job.partitions.size();
       ++job.maps_scan_from) {
    if (job.partitions[job.maps_scan_from].state != PartitionState::kPublished) return false;
  }
  return true;
}

bool Scheduler::runnable(const JobEntry& job, uint32_t index) {
  const PartitionRecord& partition = job.partitions[index];
  if (!partition.is_bucket && !partition.is_final) return true;
  if (!maps_published(job)) return false;
  if (partition.is_bucket) return true;
  for (uint32_t other = job.record.map_tasks; other < job.partitions.size(); ++other) {
    const PartitionRecord& bucket = job.partitions[other];
    if (bucket.is_bucket && bucket.state != PartitionState::kPublished) return false;
  }
  return true;
}

Status Scheduler::advance_stages(JobEntry& job) {
  if (!job.record.has_aggregate || job.record.state != JobState::kRunning) return Status::ok();
  if (!maps_published(job)) return Status::ok();
  if (job.record.buckets_planned) {
    // Tasks that waited for a map or bucket task run again.
    for (uint32_t index = job.record.map_tasks; index < job.partitions.size(); ++index) {
      const PartitionRecord& partition = job.partitions[index];
      if ((partition.is_bucket || partition.is_final) &&
          partition.state == PartitionState::kPlanned && job.leases.count(partition.index) == 0 &&
          runnable(job, partition.index)) {
        job.planned.insert(partition.index);
      }
    }
    if (!job.record.final_merge || job.record.final_planned) return Status::ok();
    for (uint32_t index = job.record.map_tasks; index < job.partitions.size(); ++index) {
      if (job.partitions[index].state != PartitionState::kPublished) return Status::ok();
    }
    PartitionRecord merge;
    merge.index = static_cast<uint32_t>(job.partitions.size());
    merge.is_final = true;
    JobRecord record = job.record;
    record.final_planned = true;
    record.partitions_total = merge.index + 1;
    SLUICE_RETURN_IF_ERROR(ledger_.create_job(record, {merge}));
    crash_point("merge-planned");
    job.record = std::move(record);
    job.partitions.push_back(merge);
    job.eligible_at_ms.push_back(0);
    job.leased_at_ms.push_back(0);
    job.planned.insert(merge.index);
    logger("coordinator")
        ->info("stage planned job={} stage=merge tasks=1 sorted_outputs={}", job.record.id,
               merge.index - job.record.map_tasks);
    return Status::ok();
  }
  uint64_t map_output_bytes = 0;
  for (uint32_t index = 0; index < job.record.map_tasks; ++index) {
    map_output_bytes += job.partitions[index].stats.bytes_written;
  }
  SLUICE_ASSIGN_OR_RETURN(const CompiledJob* compiled, compiled_of(job.record));
  // A global sort's bucket task n of T merges the n-th key range, which it
  // computes itself from the map outputs' samples; an aggregate's reads a
  // run of hash buckets.
  const bool sort = compiled->sorts_globally;
  const uint32_t buckets =
      sort ? plan_sort_tasks(compiled->spec, map_output_bytes) : compiled->buckets;
  const std::vector<BucketRange> ranges =
      sort ? plan_bucket_tasks(buckets, buckets, map_output_bytes)
           : plan_bucket_tasks(buckets, compiled->spec.parallelism, map_output_bytes);
  std::vector<PartitionRecord> tasks;
  for (const BucketRange& range : ranges) {
    PartitionRecord partition;
    partition.index = static_cast<uint32_t>(job.partitions.size() + tasks.size());
    partition.is_bucket = true;
    partition.bucket_begin = range.begin;
    partition.bucket_end = range.end;
    tasks.push_back(partition);
  }
  JobRecord record = job.record;
  record.buckets_planned = true;
  record.partitions_total = static_cast<uint32_t>(job.partitions.size() + tasks.size());
  // The job record and its bucket tasks in one durable batch: after a crash
  // the job has all of them or none (then they are planned again, the same).
  SLUICE_RETURN_IF_ERROR(ledger_.create_job(record, tasks));
  crash_point("buckets-planned");
  job.record = std::move(record);
  for (const PartitionRecord& partition : tasks) {
    job.partitions.push_back(partition);
    job.eligible_at_ms.push_back(0);
    job.leased_at_ms.push_back(0);
    job.planned.insert(partition.index);
  }
  // Nothing to merge yet: a job of no groups still has its merge planned
  // once these are published.
  logger("coordinator")
      ->info(
          "stage planned job={} stage=buckets tasks={} buckets={} map_outputs={} "
          "map_output_bytes={} sort={}",
          job.record.id, tasks.size(), buckets, job.record.map_tasks, map_output_bytes, sort);
  return Status::ok();
}

std::vector<StageView> Scheduler::stages(const std::string& job_id) const {
  std::vector<StageView> views;
  const JobEntry* job = find(job_id);
  if (job == nullptr) return views;
  if (!job->record.has_aggregate) {
    views.push_back(StageView{"read"});
  } else {
    views.push_back(StageView{"map"});
    views.push_back(StageView{"buckets"});
    if (job->record.final_merge) views.push_back(StageView{"merge"});
  }
  for (const PartitionRecord& partition : job->partitions) {
    StageView& view = views[partition.is_final ? 2 : partition.is_bucket ? 1 : 0];
    view.total++;
    if (partition.state == PartitionState::kPublished) view.done++;
    if (partition.state == PartitionState::kLeased || partition.state == PartitionState::kWritten)
      view.running++;
  }
  return views;
}

Status Scheduler::on_map_output_lost(const std::string& identity, const AttemptRef& attempt,
                                     uint32_t map_task, const std::string& message) {
  (void)identity;
  JobEntry* job = find(attempt.job_id);
  if (job == nullptr || attempt.partition >= job->partitions.size()) return Status::ok();
  if (!is_active(*job, attempt.partition, attempt.attempt)) return Status::ok();  // stale
  if (job->record.state != JobState::kRunning || map_task >= job->record.map_tasks) {
    return on_failed(identity, attempt, message, true);
  }
  PartitionRecord& map = job->partitions[map_task];
  logger("coordinator")
      ->warn("map output lost job={} map_task={} reader={} reason=\"{}\": the map task runs again",
             job->record.id, map_task, attempt.partition, message);
  const bool rerun = !planted_bugs().lost_map_output_forgotten;
  if (rerun &&
      (map.state == PartitionState::kPublished || map.state == PartitionState::kCommitted)) {
    // Planned again whole: its start is verified again by its predecessor.
    map.state = PartitionState::kPlanned;
    map.stats = PartStats{};
    map.start_is_exact = false;
    SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job->record.id, map));
    job->maps_scan_from = std::min(job->maps_scan_from, map_task);
    job->publish_scan_from = std::min(job->publish_scan_from, map_task);
    job->commit_scan_from.clear();
    job->eligible_at_ms[map_task] = 0;
    job->planned.insert(map_task);
  }
  // Not counted: the bucket task did nothing wrong. It waits for the map task.
  return release(*job, attempt.partition, message, false);
}

}  // namespace sluice
