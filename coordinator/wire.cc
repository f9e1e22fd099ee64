#include "coordinator/wire.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/base/clock.h"
#include "common/base/limits.h"
#include "common/postgres/connection.h"
#include "coordinator/publisher.h"
#include "coordinator/s3_output.h"

namespace sluice {

std::string stages_text(const std::vector<StageView>& stages) {
  std::string text;
  for (const StageView& stage : stages) {
    if (!text.empty()) text += ", ";
    text += fmt::format("{} {}/{}", stage.name, stage.done, stage.total);
  }
  return text;
}

std::optional<std::string> join_plan_text(const JobRecord& job) {
  if (job.join_broadcast) return "plan=broadcast (a lookup of the right file, map-only)";
  if (job.join_right_columns.empty()) return std::nullopt;
  return fmt::format("plan=exchange map_tasks_left={} map_tasks_right={}",
                     job.map_tasks - job.map_tasks_right, job.map_tasks_right);
}

proto::Task task_for(const JobRecord& job, const PartitionRecord& partition, uint32_t attempt,
                     bool with_job_file) {
  proto::Task task;
  task.job_id = job.id;
  task.partition = partition.index;
  task.attempt = attempt;
  if (with_job_file) task.spec_yaml = job.spec_yaml;
  task.base_dir = job.base_dir;
  task.temp_path = temp_part_path(job, partition.index, attempt);
  if (partition.is_bucket || partition.is_final) {
    // Tasks of the exchange read the map tasks' (or bucket tasks') outputs,
    // not an input: they compile the steps over the columns checked at
    // admission.
    task.map_output_dir = partials_dir(job);
    // An s3:// output: a bucket or merge task that writes a part uploads it
    // (a sorted output for the merge stays in the exchange directory).
    if (is_s3_output(job) && writes_part(job, partition.index)) {
      task.output_url = s3_part_url(job, partition.index);
    }
    task.input_columns = job.input_columns;
    task.header_known = job.header_known;
    if (partition.is_final) {
      task.is_final_merge = true;
      task.sorted_output_count = partition.index - job.map_tasks;
    } else {
      task.is_bucket_task = true;
      task.bucket_begin = partition.bucket_begin;
      task.bucket_end = partition.bucket_end;
      task.map_output_count = job.map_tasks;
      task.bucket_tasks = job.partitions_total - job.map_tasks;
      task.map_tasks_right = job.map_tasks_right;
      task.join_right_columns = job.join_right_columns;
    }
    return task;
  }
  if (job.join_broadcast) {
    task.join_broadcast = true;
    task.join_right_columns = job.join_right_columns;
  }
  const InputFile& input = job.inputs[partition.range.file_index];
  // A join's right map tasks are the last map_tasks_right (admission.cc).
  task.join_right_side =
      partition.index < job.map_tasks && partition.index >= job.map_tasks - job.map_tasks_right;
  if (is_postgres_input_file(input)) {
    task.input =
        postgres_key_range(input, partition.range.begin_offset, partition.range.end_offset);
  } else {
    task.input = ByteRange{.path = input.path,
                           .begin_offset = partition.range.begin_offset,
                           .end_offset = partition.range.end_offset,
                           .start_is_exact = partition.start_is_exact,
                           .exact_start_offset = partition.exact_start_offset,
                           .file_size_bytes = input.size_bytes,
                           .file_mtime_ns = input.mtime_ns};
  }
  task.rejects_temp_path = temp_rejects_path(job, partition.index, attempt);
  if (is_s3_output(job)) {
    // A map task of an exchange writes its map output to the exchange
    // directory and uploads only its rejects.
    if (writes_part(job, partition.index)) task.output_url = s3_part_url(job, partition.index);
    task.rejects_url = s3_rejects_url(job, partition.index);
  }
  task.isolating = partition.deaths.isolating;
  // No single records: an offset no record has.
  task.isolate_from_offset = partition.deaths.single_from.value_or(UINT64_MAX);
  for (const SkippedRecord& skipped : partition.skipped) {
    task.skip_offsets.push_back(skipped.offset);
    task.skip_reasons.push_back(skipped.reason);
  }
  return task;
}

proto::CommitDecision commit_decision(const AttemptRef& attempt, const DoneOutcome& outcome) {
  return proto::CommitDecision{attempt, outcome.accepted, outcome.reason};
}

proto::Welcome welcome(const std::string& coordinator_id) {
  return proto::Welcome{coordinator_id, static_cast<uint32_t>(limits::kHeartbeatMs),
                        static_cast<uint32_t>(limits::kLeaseMs)};
}

proto::StatusReply status_reply(const Scheduler& scheduler,
                                const std::vector<const JobRecord*>& jobs) {
  proto::StatusReply reply;
  reply.workers_connected = static_cast<uint32_t>(scheduler.workers().size());
  const int64_t now_unix = unix_time_seconds();
  for (const JobRecord* record : jobs) {
    const JobRecord& job = *record;
    const JobTotals totals = scheduler.totals(job.id);
    proto::JobStatus item;
    item.job_id = job.id;
    item.name = job.name;
    item.state = job_state_name(job.state);
    item.partitions_total = job.partitions_total;
    item.stages = stages_text(scheduler.stages(job.id));
    item.partitions_done = totals.partitions_done;
    item.rows_in = totals.rows_in;
    item.rows_out = totals.rows_out;
    item.rows_filtered = totals.rows_filtered;
    item.rows_rejected = totals.rows_rejected;
    item.bytes_read = totals.bytes_read;
    item.bytes_total = totals.bytes_total;
    const int64_t end = job.finished_unix > 0 ? job.finished_unix : now_unix;
    item.elapsed_ms = static_cast<uint64_t>(std::max<int64_t>(0, end - job.created_unix)) * 1000;
    item.error = job.error;
    item.output_path = job.output_dir;
    reply.jobs.push_back(std::move(item));
  }
  return reply;
}

std::string printable(const std::string& identity) {
  std::string text;
  for (char c : identity) {
    if (c >= 0x20 && c < 0x7f) {
      text += c;
    } else {
      text += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
  }
  return text;
}

}  // namespace sluice
