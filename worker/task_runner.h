#pragma once
// The task runner does one attempt of one partition: extract (read the byte
// range with bounded memory) -> transform (the job's pipeline) -> load (write
// a temporary part file and its rejects, fsynced). It talks to no socket; the
// link reports its outcome.
// Thread safety: one call per thread; TaskControl is shared with the link.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/layout/partitioned_writer.h"
#include "common/s3/upload.h"

namespace sluice {

struct TaskSpec {
  std::string job_id;
  uint32_t partition = 0;
  uint32_t attempt = 0;
  std::string spec_yaml;
  std::string base_dir;
  std::string path;
  uint64_t begin_offset = 0;
  uint64_t end_offset = 0;
  bool start_is_exact = false;
  uint64_t exact_start_offset = 0;
  uint64_t file_size_bytes = 0;
  int64_t file_mtime_ns = 0;
  std::string temp_path;
  std::string rejects_temp_path;
  // Quarantine (docs/ARCHITECTURE.md, "A record that crashes workers").
  bool isolating = false;                 // announce every batch and wait for its ack
  uint64_t isolate_from_offset = 0;       // from this record on, batches of one record
  std::vector<uint64_t> skip_offsets;     // records that crashed workers: rejected
  std::vector<std::string> skip_reasons;  // parallel to skip_offsets
  // A bucket task of the exchange (worker/bucket_task.h): reads buckets
  // [bucket_begin, bucket_end) of map_output_dir/map-NNNNN.bin for every
  // NNNNN < map_output_count; `path` and the offsets are unused.
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
  // A global sort's bucket task is number bucket_begin of bucket_tasks: it
  // merges that key range of every map output (worker/sort_bucket_task.h).
  uint32_t bucket_tasks = 0;
  // A join (common/exchange/join_plan.h): a map task reading the join's input
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
};

// What an isolating attempt is about to process: `rows` records from the one
// at `offset`. seq 0: nothing announced.
struct TaskCheckpoint {
  uint64_t seq = 0;
  uint64_t offset = 0;
  uint32_t rows = 0;
};

// Shared between the running task and the link thread.
struct TaskControl {
  std::atomic<bool> abort{false};
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> rows_read{0};
  // An isolating attempt's checkpoints: the runner publishes one and waits
  // until the link has the coordinator's ack for it (or a lease passes).
  std::mutex checkpoint_mutex;
  std::condition_variable checkpoint_acked;
  TaskCheckpoint checkpoint;          // the latest announced; guarded by checkpoint_mutex
  uint64_t checkpoint_acked_seq = 0;  // guarded by checkpoint_mutex
  std::function<void()> wake_link;    // set before the task starts; thread-safe
};

struct TaskOutcome {
  bool ok = false;
  std::string error;       // when !ok
  bool retryable = false;  // when !ok: infrastructure trouble, not the job's fault
  uint64_t rows_in = 0, rows_out = 0, rows_filtered = 0, rows_rejected = 0;
  uint64_t bytes_read = 0, bytes_written = 0, checksum = 0;
  uint64_t rejects_bytes = 0, rejects_checksum = 0;
  uint64_t start_offset = 0, end_offset = 0;
  uint64_t row_groups_skipped = 0;  // Parquet row groups skipped by predicate pushdown
  // output.partition_by: the files written (bytes_written is their sum).
  std::vector<PartitionFile> files;
  // A bucket task: the output of map task lost_map_task is missing or fails
  // its checksum (the coordinator runs that map task again).
  bool map_output_lost = false;
  uint32_t lost_map_task = 0;
  // An s3:// output: the uncompleted uploads of the part, then the rejects.
  std::vector<S3UploadRecord> uploads;
};

TaskOutcome run_task(const TaskSpec& task, TaskControl& control);

// A failed outcome; `retryable`: the task's trouble, not the job's.
TaskOutcome failure(std::string error, bool retryable);
// A bucket task's outcome when map task `map_task`'s output is missing or
// corrupt: that map task runs again (TaskOutcome::map_output_lost).
TaskOutcome map_output_lost(uint32_t map_task, std::string error);

}  // namespace sluice
