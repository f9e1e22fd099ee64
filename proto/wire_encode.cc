// encode(): plain structs -> a Cap'n Proto Envelope in one flat array.
#include <capnp/message.h>
#include <capnp/serialize.h>

#include "proto/sluice.capnp.h"
#include "proto/wire.h"

namespace sluice::proto {
namespace {

// Every byte of `value`, an embedded NUL too (std::string ends in one).
capnp::Text::Reader text(const std::string& value) {
  return capnp::Text::Reader(value.data(), value.size());
}

template <typename Builder>
void set_attempt(Builder builder, const AttemptId& attempt) {
  builder.setJobId(text(attempt.job_id));
  builder.setPartition(attempt.partition);
  builder.setAttempt(attempt.attempt);
}

template <typename ListBuilder>
void set_texts(ListBuilder list, const std::vector<std::string>& texts) {
  for (size_t i = 0; i < texts.size(); ++i) list.set(static_cast<unsigned>(i), text(texts[i]));
}

unsigned count(size_t size) { return static_cast<unsigned>(size); }

void fill(schema::Envelope::Builder envelope, const Register& message) {
  auto out = envelope.initRegister();
  out.setWorkerId(text(message.worker_id));
  out.setSlots(message.slots);
  out.setHost(text(message.host));
  out.setPid(message.pid);
  out.setProtocolVersion(message.protocol_version);
}

void fill(schema::Envelope::Builder envelope, const Welcome& message) {
  auto out = envelope.initWelcome();
  out.setCoordinatorId(text(message.coordinator_id));
  out.setHeartbeatMs(message.heartbeat_ms);
  out.setLeaseMs(message.lease_ms);
}

void fill(schema::Envelope::Builder envelope, const Heartbeat& message) {
  auto out = envelope.initHeartbeat();
  out.setActiveTasks(message.active_tasks);
  out.setRssAnonBytes(message.rss_anon_bytes);
}

void fill(schema::Envelope::Builder envelope, const RequestWork& message) {
  envelope.initRequestWork().setFreeSlots(message.free_slots);
}

void fill(schema::Envelope::Builder envelope, const Task& task) {
  auto out = envelope.initTask();
  set_attempt(out, task.attempt_id());
  out.setSpecYaml(text(task.spec_yaml));
  out.setBaseDir(text(task.base_dir));
  if (const auto* bytes = std::get_if<ByteRange>(&task.input)) {
    out.setPath(text(bytes->path));
    out.setBeginOffset(bytes->begin_offset);
    out.setEndOffset(bytes->end_offset);
    out.setStartIsExact(bytes->start_is_exact);
    out.setExactStartOffset(bytes->exact_start_offset);
    out.setFileSizeBytes(bytes->file_size_bytes);
    out.setFileMtimeNs(bytes->file_mtime_ns);
  } else {
    const QueryKeyRange& keys = std::get<QueryKeyRange>(task.input);
    out.setRangeIsKeys(true);
    out.setPath(text(keys.name));
    out.setKeyMin(keys.key_min);
    out.setBeginOffset(keys.begin_offset);
    out.setEndOffset(keys.end_offset);
  }
  out.setTempPath(text(task.temp_path));
  out.setRejectsTempPath(text(task.rejects_temp_path));
  out.setIsolating(task.isolating);
  out.setIsolateFromOffset(task.isolate_from_offset);
  auto offsets = out.initSkipOffsets(count(task.skip_offsets.size()));
  for (size_t i = 0; i < task.skip_offsets.size(); ++i)
    offsets.set(static_cast<unsigned>(i), task.skip_offsets[i]);
  set_texts(out.initSkipReasons(count(task.skip_reasons.size())), task.skip_reasons);
  out.setIsBucketTask(task.is_bucket_task);
  out.setBucketBegin(task.bucket_begin);
  out.setBucketEnd(task.bucket_end);
  out.setMapOutputDir(text(task.map_output_dir));
  out.setMapOutputCount(task.map_output_count);
  set_texts(out.initInputColumns(count(task.input_columns.size())), task.input_columns);
  out.setHeaderKnown(task.header_known);
  out.setIsFinalMerge(task.is_final_merge);
  out.setSortedOutputCount(task.sorted_output_count);
  out.setBucketTasks(task.bucket_tasks);
  out.setJoinRightSide(task.join_right_side);
  out.setMapTasksRight(task.map_tasks_right);
  set_texts(out.initJoinRightColumns(count(task.join_right_columns.size())),
            task.join_right_columns);
  out.setJoinBroadcast(task.join_broadcast);
  out.setOutputUrl(text(task.output_url));
  out.setRejectsUrl(text(task.rejects_url));
}

void fill(schema::Envelope::Builder envelope, const Progress& message) {
  auto out = envelope.initProgress();
  set_attempt(out, message.attempt);
  out.setBytesRead(message.bytes_read);
  out.setRowsRead(message.rows_read);
  out.setCheckpointSeq(message.checkpoint_seq);
  out.setCheckpointOffset(message.checkpoint_offset);
  out.setCheckpointRows(message.checkpoint_rows);
}

void fill(schema::Envelope::Builder envelope, const Done& message) {
  auto out = envelope.initDone();
  set_attempt(out, message.attempt);
  const PartStats& stats = message.stats;
  out.setRowsIn(stats.rows_in);
  out.setRowsOut(stats.rows_out);
  out.setRowsFiltered(stats.rows_filtered);
  out.setRowsRejected(stats.rows_rejected);
  out.setBytesRead(stats.bytes_read);
  out.setBytesWritten(stats.bytes_written);
  out.setChecksum(stats.checksum);
  out.setRejectsBytes(stats.rejects_bytes);
  out.setRejectsChecksum(stats.rejects_checksum);
  out.setStartOffset(stats.start_offset);
  out.setEndOffset(stats.end_offset);
  out.setRowGroupsSkipped(stats.row_groups_skipped);
  auto files = out.initFiles(count(stats.files.size()));
  for (size_t i = 0; i < stats.files.size(); ++i) {
    auto file = files[static_cast<unsigned>(i)];
    file.setDir(text(stats.files[i].dir));
    file.setRows(stats.files[i].rows);
    file.setBytes(stats.files[i].bytes);
    file.setChecksum(stats.files[i].checksum);
  }
  auto uploads = out.initUploads(count(stats.uploads.size()));
  for (size_t i = 0; i < stats.uploads.size(); ++i) {
    const S3UploadRecord& upload = stats.uploads[i];
    auto item = uploads[static_cast<unsigned>(i)];
    item.setUrl(text(upload.url));
    item.setUploadId(text(upload.upload_id));
    auto parts = item.initParts(count(upload.parts.size()));
    for (size_t j = 0; j < upload.parts.size(); ++j) {
      auto part = parts[static_cast<unsigned>(j)];
      part.setNumber(upload.parts[j].number);
      part.setEtag(text(upload.parts[j].etag));
      part.setBytes(upload.parts[j].size_bytes);
    }
  }
}

void fill(schema::Envelope::Builder envelope, const Failed& message) {
  auto out = envelope.initFailed();
  set_attempt(out, message.attempt);
  out.setMessage(text(message.message));
  out.setRetryable(message.retryable);
  out.setMapOutputLost(message.map_output_lost);
  out.setLostMapTask(message.lost_map_task);
  out.setNoFreeSlot(message.no_free_slot);
  out.setJobFileMissing(message.job_file_missing);
}

void fill(schema::Envelope::Builder envelope, const CommitDecision& message) {
  auto out = envelope.initCommitDecision();
  set_attempt(out, message.attempt);
  out.setAccepted(message.accepted);
  out.setReason(text(message.reason));
}

void fill(schema::Envelope::Builder envelope, const TaskAbort& message) {
  set_attempt(envelope.initTaskAbort(), message.attempt);
}

void fill(schema::Envelope::Builder envelope, const ProgressAck& message) {
  auto out = envelope.initProgressAck();
  set_attempt(out, message.attempt);
  out.setCheckpointSeq(message.checkpoint_seq);
}

void fill(schema::Envelope::Builder envelope, const SubmitJob& message) {
  auto out = envelope.initSubmitJob();
  out.setSpecYaml(text(message.spec_yaml));
  out.setSpecFile(text(message.spec_file));
  out.setBaseDir(text(message.base_dir));
}

void fill(schema::Envelope::Builder envelope, const SubmitReply& message) {
  auto out = envelope.initSubmitReply();
  out.setJobId(text(message.job_id));
  out.setCreated(message.created);
  out.setState(text(message.state));
}

void fill(schema::Envelope::Builder envelope, const StatusRequest& message) {
  envelope.initStatusRequest().setJobId(text(message.job_id));
}

void fill(schema::Envelope::Builder envelope, const StatusReply& message) {
  auto out = envelope.initStatusReply();
  out.setWorkersConnected(message.workers_connected);
  auto jobs = out.initJobs(count(message.jobs.size()));
  for (size_t i = 0; i < message.jobs.size(); ++i) {
    const JobStatus& job = message.jobs[i];
    auto item = jobs[static_cast<unsigned>(i)];
    item.setJobId(text(job.job_id));
    item.setName(text(job.name));
    item.setState(text(job.state));
    item.setPartitionsTotal(job.partitions_total);
    item.setPartitionsDone(job.partitions_done);
    item.setRowsIn(job.rows_in);
    item.setRowsOut(job.rows_out);
    item.setRowsRejected(job.rows_rejected);
    item.setBytesRead(job.bytes_read);
    item.setBytesTotal(job.bytes_total);
    item.setElapsedMs(job.elapsed_ms);
    item.setError(text(job.error));
    item.setOutputPath(text(job.output_path));
    item.setRowsFiltered(job.rows_filtered);
    item.setStages(text(job.stages));
  }
}

void fill(schema::Envelope::Builder envelope, const CancelJob& message) {
  envelope.initCancelJob().setJobId(text(message.job_id));
}

void fill(schema::Envelope::Builder envelope, const ErrorReply& message) {
  envelope.initErrorReply().setMessage(text(message.message));
}

}  // namespace

std::string encode(const Message& message) {
  capnp::MallocMessageBuilder builder;
  auto envelope = builder.initRoot<schema::Envelope>();
  std::visit([&](const auto& kind) { fill(envelope, kind); }, message);
  kj::Array<capnp::word> words = capnp::messageToFlatArray(builder);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

}  // namespace sluice::proto
