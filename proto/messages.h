#pragma once
// The messages between sluice peers as plain structs: what coordinator,
// workers and clients build and read. proto/wire.h turns them into bytes and
// back (Cap'n Proto, sluice.capnp, with the limits of limits.h) and
// proto/link.h carries them over a ZeroMQ socket; no code outside proto/
// sees a Cap'n Proto reader or a ZeroMQ socket.
// The wire is internal: coordinator and workers of one version talk to each
// other; a field added here is added to sluice.capnp (at the end of its struct).

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/layout/hive_path.h"
#include "common/s3/upload.h"
#include "common/spec/input_range.h"

namespace sluice::proto {

// One attempt of one partition of one job.
struct AttemptId {
  std::string job_id;
  uint32_t partition = 0;
  uint32_t attempt = 0;
  auto operator<=>(const AttemptId&) const = default;
};

// What an attempt produced, from the worker's outcome through Done to the
// coordinator's ledger record (coordinator/records.h).
struct PartStats {
  uint64_t rows_in = 0;
  uint64_t rows_out = 0;
  uint64_t rows_filtered = 0;
  uint64_t rows_rejected = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t checksum = 0;  // xxh64 of the part file's bytes
  uint64_t rejects_bytes = 0;
  uint64_t rejects_checksum = 0;
  uint64_t start_offset = 0;        // where its first record started
  uint64_t end_offset = 0;          // where the next partition's first record starts
  uint64_t row_groups_skipped = 0;  // Parquet input: row groups pushdown skipped
  // output.partition_by: the attempt's files (bytes_written is their sum).
  std::vector<PartitionFile> files;
  // An s3:// output: the attempt's uncompleted multipart uploads, its part's
  // first, then its rejects' (when rows_rejected > 0); kept in the ledger
  // with the commit, completed when published (coordinator/s3_output.h).
  std::vector<S3UploadRecord> uploads;
  bool operator==(const PartStats&) const;  // every field, the files' and uploads' too
};

// The protocol a worker and a coordinator speak. Both sides of a cluster run
// one sluice version: the coordinator refuses the Register of a worker that
// speaks another (an ErrorReply starting with kVersionMismatch), and that
// worker exits saying why. 2: a Task's input range as one field (a file's
// bytes or a query's keys), the job file sent once per worker and job.
inline constexpr uint32_t kProtocolVersion = 2;
inline constexpr const char* kVersionMismatch = "protocol version mismatch";

// worker -> coordinator, first message on a connection (and after a restart).
struct Register {
  std::string worker_id;
  uint32_t slots = 0;
  std::string host;
  uint32_t pid = 0;
  uint32_t protocol_version = kProtocolVersion;
  bool operator==(const Register&) const = default;
};

// coordinator -> worker, the answer to Register.
struct Welcome {
  std::string coordinator_id;
  uint32_t heartbeat_ms = 0;
  uint32_t lease_ms = 0;
  bool operator==(const Welcome&) const = default;
};

// Either way, when nothing else was sent for a heartbeat period.
struct Heartbeat {
  uint32_t active_tasks = 0;
  uint64_t rss_anon_bytes = 0;  // worker -> coordinator; 0 when unknown
  bool operator==(const Heartbeat&) const = default;
};

// worker -> coordinator: credit; at most free_slots tasks are sent.
struct RequestWork {
  uint32_t free_slots = 0;
  bool operator==(const RequestWork&) const = default;
};

// coordinator -> worker: one attempt of one partition. A map-side task reads
// `input`: a byte range of a file or a key range of a postgres query
// (common/spec/input_range.h); a bucket or merge task reads none.
struct Task {
  std::string job_id;
  uint32_t partition = 0;
  uint32_t attempt = 0;
  // The job file, compiled and cached by the worker per job: carried by the
  // first Task of a job the coordinator sends a worker, and again after the
  // worker refused one for want of it (Failed.job_file_missing); else empty.
  std::string spec_yaml;
  std::string base_dir;  // relative paths in the spec resolve against it
  InputRange input;
  std::string temp_path;
  std::string rejects_temp_path;
  // Quarantine (docs/ARCHITECTURE.md, "A record that crashes workers").
  bool isolating = false;                 // announce every batch and wait for its ack
  uint64_t isolate_from_offset = 0;       // from this record on, batches of one record
  std::vector<uint64_t> skip_offsets;     // records that crashed workers: rejected
  std::vector<std::string> skip_reasons;  // parallel to skip_offsets
  // A bucket task of the exchange (worker/bucket_task.h): reads buckets
  // [bucket_begin, bucket_end) of map_output_dir/map-NNNNN.bin for every
  // NNNNN < map_output_count; `input` is unused.
  bool is_bucket_task = false;
  uint32_t bucket_begin = 0;
  uint32_t bucket_end = 0;
  std::string map_output_dir;
  uint32_t map_output_count = 0;
  std::vector<std::string> input_columns;
  bool header_known = true;
  // The merge task of a job that sorts after its aggregate: merges
  // map_output_dir/sorted-NNNNN.bin for NNNNN < sorted_output_count.
  bool is_final_merge = false;
  uint32_t sorted_output_count = 0;
  // A global sort's bucket task is number bucket_begin of bucket_tasks.
  uint32_t bucket_tasks = 0;
  // A join (common/job/join_plan.h): a map task reading the join's input
  // (join_right_side); a bucket task's last map_tasks_right map outputs are
  // the right side's, of columns join_right_columns.
  bool join_right_side = false;
  uint32_t map_tasks_right = 0;
  std::vector<std::string> join_right_columns;
  bool join_broadcast = false;  // the join runs as a lookup (join_as_lookup)
  // An s3:// output (worker/s3_output_task.h): where the part and the
  // rejects are uploaded; empty for a local output.
  std::string output_url;
  std::string rejects_url;

  AttemptId attempt_id() const { return AttemptId{job_id, partition, attempt}; }
  bool operator==(const Task&) const = default;
};

// worker -> coordinator while a task runs. An isolating attempt is about to
// process checkpoint_rows records from the one at checkpoint_offset and
// waits for ProgressAck{checkpoint_seq}; checkpoint_seq 0: none.
struct Progress {
  AttemptId attempt;
  uint64_t bytes_read = 0;
  uint64_t rows_read = 0;
  uint64_t checkpoint_seq = 0;
  uint64_t checkpoint_offset = 0;
  uint32_t checkpoint_rows = 0;
  bool operator==(const Progress&) const = default;
};

// coordinator -> worker: the checkpoint of an isolating attempt is recorded.
struct ProgressAck {
  AttemptId attempt;
  uint64_t checkpoint_seq = 0;
  bool operator==(const ProgressAck&) const = default;
};

// worker -> coordinator: the attempt wrote a complete, fsynced temporary file.
struct Done {
  AttemptId attempt;
  PartStats stats;
  bool operator==(const Done&) const = default;
};

// worker -> coordinator: the attempt failed.
struct Failed {
  AttemptId attempt;
  std::string message;
  bool retryable = false;  // false: the job fails (bad spec, changed input, fail-on-error)
  // A bucket task found map task lost_map_task's output missing or corrupt:
  // that map task runs again, nothing is counted against either.
  bool map_output_lost = false;
  uint32_t lost_map_task = 0;
  // The worker had no free slot for the Task: nothing ran, no attempt is counted.
  bool no_free_slot = false;
  // The Task carried no job file and the worker has not got the job's (never
  // had it, or evicted it): nothing ran, no attempt is counted, and the
  // coordinator sends the file with the job's next Task to this worker.
  bool job_file_missing = false;
  bool operator==(const Failed&) const = default;
};

// coordinator -> worker: the outcome of a Done.
struct CommitDecision {
  AttemptId attempt;
  bool accepted = false;
  std::string reason;
  bool operator==(const CommitDecision&) const = default;
};

// coordinator -> worker: stop working on an attempt (cancelled, or lost its lease).
struct TaskAbort {
  AttemptId attempt;
  bool operator==(const TaskAbort&) const = default;
};

// client -> coordinator.
struct SubmitJob {
  std::string spec_yaml;
  std::string spec_file;
  std::string base_dir;
  bool operator==(const SubmitJob&) const = default;
};

struct SubmitReply {
  std::string job_id;
  bool created = false;  // false: the same job existed already
  std::string state;
  bool operator==(const SubmitReply&) const = default;
};

struct StatusRequest {
  std::string job_id;  // empty: every job
  bool operator==(const StatusRequest&) const = default;
};

struct JobStatus {
  std::string job_id, name, state, error, output_path;
  std::string stages;  // "map 19/19, buckets 2/3, merge 0/1"
  uint32_t partitions_total = 0, partitions_done = 0;
  uint64_t rows_in = 0, rows_out = 0, rows_filtered = 0, rows_rejected = 0;
  uint64_t bytes_read = 0, bytes_total = 0, elapsed_ms = 0;
  bool operator==(const JobStatus&) const = default;
};

struct StatusReply {
  std::vector<JobStatus> jobs;
  uint32_t workers_connected = 0;
  bool operator==(const StatusReply&) const = default;
};

struct CancelJob {
  std::string job_id;
  bool operator==(const CancelJob&) const = default;
};

// coordinator -> client or worker ("register": register again).
struct ErrorReply {
  std::string message;
  bool operator==(const ErrorReply&) const = default;
};

// One message of any kind; the order is sluice.capnp's Envelope union's.
using Message = std::variant<Register, Welcome, Heartbeat, RequestWork, Task, Progress, Done,
                             Failed, CommitDecision, SubmitJob, SubmitReply, StatusRequest,
                             StatusReply, CancelJob, ErrorReply, TaskAbort, ProgressAck>;

// "register", "task", ... for logs.
const char* kind_name(const Message& message);

}  // namespace sluice::proto
