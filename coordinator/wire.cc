#include "coordinator/wire.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/base/clock.h"
#include "common/base/limits.h"
#include "coordinator/publisher.h"
#include "coordinator/s3_output.h"
#include "proto/socket.h"

namespace sluice {

using proto::to_string;

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

DoneReport read_done_report(proto::Done::Reader message) {
  DoneReport report;
  report.attempt =
      AttemptRef{to_string(message.getJobId()), message.getPartition(), message.getAttempt()};
  PartStats& stats = report.stats;
  stats.rows_in = message.getRowsIn();
  stats.rows_out = message.getRowsOut();
  stats.rows_filtered = message.getRowsFiltered();
  stats.row_groups_skipped = message.getRowGroupsSkipped();
  stats.rows_rejected = message.getRowsRejected();
  stats.bytes_read = message.getBytesRead();
  stats.bytes_written = message.getBytesWritten();
  stats.checksum = message.getChecksum();
  stats.rejects_bytes = message.getRejectsBytes();
  stats.rejects_checksum = message.getRejectsChecksum();
  stats.start_offset = message.getStartOffset();
  stats.end_offset = message.getEndOffset();
  for (proto::PartitionFile::Reader file : message.getFiles()) {
    stats.files.push_back(PartitionFile{to_string(file.getDir()), file.getRows(), file.getBytes(),
                                        file.getChecksum()});
  }
  // Bounded by the reader's traversal limit; s3_uploads_problem refuses
  // more uploads or parts than an attempt can have.
  for (proto::Upload::Reader message_upload : message.getUploads()) {
    S3UploadRecord upload{
        to_string(message_upload.getUrl()), to_string(message_upload.getUploadId()), {}};
    for (proto::UploadPart::Reader part : message_upload.getParts()) {
      upload.parts.push_back(S3Part{part.getNumber(), to_string(part.getEtag()), part.getBytes()});
    }
    stats.uploads.push_back(std::move(upload));
  }
  return report;
}

void fill_task(proto::Task::Builder task, const JobRecord& job, const PartitionRecord& partition,
               uint32_t attempt) {
  task.setJobId(job.id);
  task.setPartition(partition.index);
  task.setAttempt(attempt);
  task.setSpecYaml(job.spec_yaml);
  task.setBaseDir(job.base_dir);
  task.setTempPath(temp_part_path(job, partition.index, attempt));
  if (partition.is_bucket || partition.is_final) {
    // Tasks of the exchange read the map tasks' (or bucket tasks') outputs,
    // not an input: they compile the steps over the columns checked at
    // admission.
    task.setMapOutputDir(partials_dir(job));
    // An s3:// output: a bucket or merge task that writes a part uploads it
    // (a sorted output for the merge stays in the exchange directory).
    if (is_s3_output(job) && writes_part(job, partition.index)) {
      task.setOutputUrl(s3_part_url(job, partition.index));
    }
    auto columns = task.initInputColumns(static_cast<unsigned>(job.input_columns.size()));
    for (size_t i = 0; i < job.input_columns.size(); ++i) {
      columns.set(static_cast<unsigned>(i), job.input_columns[i]);
    }
    task.setHeaderKnown(job.header_known);
    if (partition.is_final) {
      task.setIsFinalMerge(true);
      task.setSortedOutputCount(partition.index - job.map_tasks);
    } else {
      task.setIsBucketTask(true);
      task.setBucketBegin(partition.bucket_begin);
      task.setBucketEnd(partition.bucket_end);
      task.setMapOutputCount(job.map_tasks);
      task.setBucketTasks(job.partitions_total - job.map_tasks);
      task.setMapTasksRight(job.map_tasks_right);
      auto right = task.initJoinRightColumns(static_cast<unsigned>(job.join_right_columns.size()));
      for (size_t i = 0; i < job.join_right_columns.size(); ++i) {
        right.set(static_cast<unsigned>(i), job.join_right_columns[i]);
      }
    }
    return;
  }
  if (job.join_broadcast) {
    task.setJoinBroadcast(true);
    auto right = task.initJoinRightColumns(static_cast<unsigned>(job.join_right_columns.size()));
    for (size_t i = 0; i < job.join_right_columns.size(); ++i) {
      right.set(static_cast<unsigned>(i), job.join_right_columns[i]);
    }
  }
  const InputFile& input = job.inputs[partition.range.file_index];
  // A join's right map tasks are the last map_tasks_right (admission.cc).
  task.setJoinRightSide(partition.index < job.map_tasks &&
                        partition.index >= job.map_tasks - job.map_tasks_right);
  task.setPath(input.path);
  task.setBeginOffset(partition.range.begin_offset);
  task.setEndOffset(partition.range.end_offset);
  task.setStartIsExact(partition.start_is_exact);
  task.setExactStartOffset(partition.exact_start_offset);
  task.setFileSizeBytes(input.size_bytes);
  task.setFileMtimeNs(input.mtime_ns);
  task.setRejectsTempPath(temp_rejects_path(job, partition.index, attempt));
  if (is_s3_output(job)) {
    // A map task of an exchange writes its map output to the exchange
    // directory and uploads only its rejects.
    if (writes_part(job, partition.index)) task.setOutputUrl(s3_part_url(job, partition.index));
    task.setRejectsUrl(s3_rejects_url(job, partition.index));
  }
  task.setIsolating(partition.deaths.isolating);
  // No single records: an offset no record has.
  task.setIsolateFromOffset(partition.deaths.single_from.value_or(UINT64_MAX));
  auto offsets = task.initSkipOffsets(static_cast<unsigned>(partition.skipped.size()));
  auto reasons = task.initSkipReasons(static_cast<unsigned>(partition.skipped.size()));
  for (size_t i = 0; i < partition.skipped.size(); ++i) {
    offsets.set(static_cast<unsigned>(i), partition.skipped[i].offset);
    reasons.set(static_cast<unsigned>(i), partition.skipped[i].reason);
  }
}

void fill_commit_decision(proto::CommitDecision::Builder decision, const AttemptRef& attempt,
                          const DoneOutcome& outcome) {
  decision.setJobId(attempt.job_id);
  decision.setPartition(attempt.partition);
  decision.setAttempt(attempt.attempt);
  decision.setAccepted(outcome.accepted);
  decision.setReason(outcome.reason);
}

void fill_welcome(proto::Welcome::Builder welcome, const std::string& coordinator_id) {
  welcome.setCoordinatorId(coordinator_id);
  welcome.setHeartbeatMs(limits::kHeartbeatMs);
  welcome.setLeaseMs(limits::kLeaseMs);
}

void fill_progress_ack(proto::ProgressAck::Builder ack, const AttemptRef& attempt, uint64_t seq) {
  ack.setJobId(attempt.job_id);
  ack.setPartition(attempt.partition);
  ack.setAttempt(attempt.attempt);
  ack.setCheckpointSeq(seq);
}

void fill_task_abort(proto::TaskAbort::Builder abort, const AttemptRef& attempt) {
  abort.setJobId(attempt.job_id);
  abort.setPartition(attempt.partition);
  abort.setAttempt(attempt.attempt);
}

void fill_status_reply(proto::StatusReply::Builder reply, const Scheduler& scheduler,
                       const std::vector<const JobRecord*>& jobs) {
  reply.setWorkersConnected(static_cast<uint32_t>(scheduler.workers().size()));
  auto list = reply.initJobs(static_cast<unsigned>(jobs.size()));
  const int64_t now_unix = unix_time_seconds();
  for (size_t i = 0; i < jobs.size(); ++i) {
    const JobRecord& job = *jobs[i];
    const JobTotals totals = scheduler.totals(job.id);
    auto item = list[static_cast<unsigned>(i)];
    item.setJobId(job.id);
    item.setName(job.name);
    item.setState(job_state_name(job.state));
    item.setPartitionsTotal(job.partitions_total);
    item.setStages(stages_text(scheduler.stages(job.id)));
    item.setPartitionsDone(totals.partitions_done);
    item.setRowsIn(totals.rows_in);
    item.setRowsOut(totals.rows_out);
    item.setRowsFiltered(totals.rows_filtered);
    item.setRowsRejected(totals.rows_rejected);
    item.setBytesRead(totals.bytes_read);
    item.setBytesTotal(totals.bytes_total);
    const int64_t end = job.finished_unix > 0 ? job.finished_unix : now_unix;
    item.setElapsedMs(static_cast<uint64_t>(std::max<int64_t>(0, end - job.created_unix)) * 1000);
    item.setError(job.error);
    item.setOutputPath(job.output_dir);
  }
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
