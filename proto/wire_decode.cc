// decode(): one frame -> plain structs, every field read here, inside the
// reader's limits, so that a malformed frame is one error Status.
#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "common/base/limits.h"
#include "proto/sluice.capnp.h"
#include "proto/wire.h"

namespace sluice::proto {
namespace {

std::string text(capnp::Text::Reader value) { return std::string(value.cStr(), value.size()); }

template <typename Reader>
AttemptId attempt_of(Reader reader) {
  return AttemptId{text(reader.getJobId()), reader.getPartition(), reader.getAttempt()};
}

template <typename ListReader>
std::vector<std::string> texts(ListReader list) {
  std::vector<std::string> values;
  values.reserve(list.size());
  for (auto value : list) values.push_back(text(value));
  return values;
}

Register read(schema::Register::Reader in) {
  return Register{text(in.getWorkerId()), in.getSlots(), text(in.getHost()), in.getPid(),
                  in.getProtocolVersion()};
}

Welcome read(schema::Welcome::Reader in) {
  return Welcome{text(in.getCoordinatorId()), in.getHeartbeatMs(), in.getLeaseMs()};
}

Heartbeat read(schema::Heartbeat::Reader in) {
  return Heartbeat{in.getActiveTasks(), in.getRssAnonBytes()};
}

RequestWork read(schema::RequestWork::Reader in) { return RequestWork{in.getFreeSlots()}; }

Task read(schema::Task::Reader in) {
  Task task;
  task.job_id = text(in.getJobId());
  task.partition = in.getPartition();
  task.attempt = in.getAttempt();
  task.spec_yaml = text(in.getSpecYaml());
  task.base_dir = text(in.getBaseDir());
  if (in.getRangeIsKeys()) {
    task.input = QueryKeyRange{.name = text(in.getPath()),
                               .key_min = in.getKeyMin(),
                               .begin_offset = in.getBeginOffset(),
                               .end_offset = in.getEndOffset()};
  } else {
    task.input = ByteRange{.path = text(in.getPath()),
                           .begin_offset = in.getBeginOffset(),
                           .end_offset = in.getEndOffset(),
                           .start_is_exact = in.getStartIsExact(),
                           .exact_start_offset = in.getExactStartOffset(),
                           .file_size_bytes = in.getFileSizeBytes(),
                           .file_mtime_ns = in.getFileMtimeNs()};
  }
  task.temp_path = text(in.getTempPath());
  task.rejects_temp_path = text(in.getRejectsTempPath());
  task.isolating = in.getIsolating();
  task.isolate_from_offset = in.getIsolateFromOffset();
  for (uint64_t offset : in.getSkipOffsets()) task.skip_offsets.push_back(offset);
  task.skip_reasons = texts(in.getSkipReasons());
  task.is_bucket_task = in.getIsBucketTask();
  task.bucket_begin = in.getBucketBegin();
  task.bucket_end = in.getBucketEnd();
  task.map_output_dir = text(in.getMapOutputDir());
  task.map_output_count = in.getMapOutputCount();
  task.input_columns = texts(in.getInputColumns());
  task.header_known = in.getHeaderKnown();
  task.is_final_merge = in.getIsFinalMerge();
  task.sorted_output_count = in.getSortedOutputCount();
  task.bucket_tasks = in.getBucketTasks();
  task.join_right_side = in.getJoinRightSide();
  task.map_tasks_right = in.getMapTasksRight();
  task.join_right_columns = texts(in.getJoinRightColumns());
  task.join_broadcast = in.getJoinBroadcast();
  task.output_url = text(in.getOutputUrl());
  task.rejects_url = text(in.getRejectsUrl());
  return task;
}

Progress read(schema::Progress::Reader in) {
  return Progress{attempt_of(in),        in.getBytesRead(),        in.getRowsRead(),
                  in.getCheckpointSeq(), in.getCheckpointOffset(), in.getCheckpointRows()};
}

Done read(schema::Done::Reader in) {
  Done done;
  done.attempt = attempt_of(in);
  PartStats& stats = done.stats;
  stats.rows_in = in.getRowsIn();
  stats.rows_out = in.getRowsOut();
  stats.rows_filtered = in.getRowsFiltered();
  stats.rows_rejected = in.getRowsRejected();
  stats.bytes_read = in.getBytesRead();
  stats.bytes_written = in.getBytesWritten();
  stats.checksum = in.getChecksum();
  stats.rejects_bytes = in.getRejectsBytes();
  stats.rejects_checksum = in.getRejectsChecksum();
  stats.start_offset = in.getStartOffset();
  stats.end_offset = in.getEndOffset();
  stats.row_groups_skipped = in.getRowGroupsSkipped();
  for (schema::PartitionFile::Reader file : in.getFiles()) {
    stats.files.push_back(sluice::PartitionFile{text(file.getDir()), file.getRows(),
                                                file.getBytes(), file.getChecksum()});
  }
  // Bounded by the traversal limit; the coordinator refuses more uploads or
  // parts than an attempt can have (coordinator/s3_output.h).
  for (schema::Upload::Reader in_upload : in.getUploads()) {
    S3UploadRecord upload{text(in_upload.getUrl()), text(in_upload.getUploadId()), {}};
    for (schema::UploadPart::Reader part : in_upload.getParts()) {
      upload.parts.push_back(S3Part{part.getNumber(), text(part.getEtag()), part.getBytes()});
    }
    stats.uploads.push_back(std::move(upload));
  }
  return done;
}

Failed read(schema::Failed::Reader in) {
  return Failed{attempt_of(in),        text(in.getMessage()), in.getRetryable(),
                in.getMapOutputLost(), in.getLostMapTask(),   in.getNoFreeSlot(),
                in.getJobFileMissing()};
}

CommitDecision read(schema::CommitDecision::Reader in) {
  return CommitDecision{attempt_of(in), in.getAccepted(), text(in.getReason())};
}

TaskAbort read(schema::TaskAbort::Reader in) { return TaskAbort{attempt_of(in)}; }

ProgressAck read(schema::ProgressAck::Reader in) {
  return ProgressAck{attempt_of(in), in.getCheckpointSeq()};
}

SubmitJob read(schema::SubmitJob::Reader in) {
  return SubmitJob{text(in.getSpecYaml()), text(in.getSpecFile()), text(in.getBaseDir())};
}

SubmitReply read(schema::SubmitReply::Reader in) {
  return SubmitReply{text(in.getJobId()), in.getCreated(), text(in.getState())};
}

StatusRequest read(schema::StatusRequest::Reader in) { return StatusRequest{text(in.getJobId())}; }

StatusReply read(schema::StatusReply::Reader in) {
  StatusReply reply;
  reply.workers_connected = in.getWorkersConnected();
  for (schema::JobStatus::Reader job : in.getJobs()) {
    JobStatus item;
    item.job_id = text(job.getJobId());
    item.name = text(job.getName());
    item.state = text(job.getState());
    item.error = text(job.getError());
    item.output_path = text(job.getOutputPath());
    item.stages = text(job.getStages());
    item.partitions_total = job.getPartitionsTotal();
    item.partitions_done = job.getPartitionsDone();
    item.rows_in = job.getRowsIn();
    item.rows_out = job.getRowsOut();
    item.rows_filtered = job.getRowsFiltered();
    item.rows_rejected = job.getRowsRejected();
    item.bytes_read = job.getBytesRead();
    item.bytes_total = job.getBytesTotal();
    item.elapsed_ms = job.getElapsedMs();
    reply.jobs.push_back(std::move(item));
  }
  return reply;
}

CancelJob read(schema::CancelJob::Reader in) { return CancelJob{text(in.getJobId())}; }

ErrorReply read(schema::ErrorReply::Reader in) { return ErrorReply{text(in.getMessage())}; }

Result<Message> read_envelope(schema::Envelope::Reader envelope) {
  switch (envelope.which()) {
    case schema::Envelope::REGISTER:
      return Message(read(envelope.getRegister()));
    case schema::Envelope::WELCOME:
      return Message(read(envelope.getWelcome()));
    case schema::Envelope::HEARTBEAT:
      return Message(read(envelope.getHeartbeat()));
    case schema::Envelope::REQUEST_WORK:
      return Message(read(envelope.getRequestWork()));
    case schema::Envelope::TASK:
      return Message(read(envelope.getTask()));
    case schema::Envelope::PROGRESS:
      return Message(read(envelope.getProgress()));
    case schema::Envelope::DONE:
      return Message(read(envelope.getDone()));
    case schema::Envelope::FAILED:
      return Message(read(envelope.getFailed()));
    case schema::Envelope::COMMIT_DECISION:
      return Message(read(envelope.getCommitDecision()));
    case schema::Envelope::SUBMIT_JOB:
      return Message(read(envelope.getSubmitJob()));
    case schema::Envelope::SUBMIT_REPLY:
      return Message(read(envelope.getSubmitReply()));
    case schema::Envelope::STATUS_REQUEST:
      return Message(read(envelope.getStatusRequest()));
    case schema::Envelope::STATUS_REPLY:
      return Message(read(envelope.getStatusReply()));
    case schema::Envelope::CANCEL_JOB:
      return Message(read(envelope.getCancelJob()));
    case schema::Envelope::ERROR_REPLY:
      return Message(read(envelope.getErrorReply()));
    case schema::Envelope::TASK_ABORT:
      return Message(read(envelope.getTaskAbort()));
    case schema::Envelope::PROGRESS_ACK:
      return Message(read(envelope.getProgressAck()));
  }
  return invalid_argument("unknown message kind " +
                          std::to_string(static_cast<uint16_t>(envelope.which())));
}

}  // namespace

Result<Message> decode(std::string_view bytes) {
  const size_t size = bytes.size();
  if (size == 0) return invalid_argument("empty frame");
  if (size > static_cast<size_t>(limits::kMessageBytesMax)) {
    return invalid_argument("frame of " + std::to_string(size) + " bytes is over the limit");
  }
  if (size % sizeof(capnp::word) != 0) {
    return invalid_argument("frame length " + std::to_string(size) + " is not a whole word count");
  }
  // Copy into word-aligned memory: ZeroMQ frames carry no alignment promise.
  auto words = kj::heapArray<capnp::word>(size / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), size);
  try {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = limits::kTraversalLimitWords;
    options.nestingLimit = limits::kNestingLimit;
    capnp::FlatArrayMessageReader reader(words.asPtr(), options);
    return read_envelope(reader.getRoot<schema::Envelope>());
  } catch (const kj::Exception& error) {
    return invalid_argument(std::string("malformed message: ") + error.getDescription().cStr());
  }
}

}  // namespace sluice::proto
