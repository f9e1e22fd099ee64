#pragma once
// What the coordinator keeps durably about jobs and partitions.
//
// The life of a partition:
//   planned -> leased(attempt) -> written(attempt) -> committed(attempt) -> published
// "written": a worker reported a complete, fsynced temporary file whose first
// record offset is not yet verified against the previous partition's end.
// "committed": the ledger durably chose this attempt; the rename may follow.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/layout/hive_path.h"
#include "common/s3/upload.h"
#include "coordinator/planner.h"
#include "proto/messages.h"

namespace sluice {

struct CompiledJob;

enum class PartitionState : uint8_t { kPlanned, kLeased, kWritten, kCommitted, kPublished };
enum class JobState : uint8_t { kRunning, kSucceeded, kFailed, kCancelled };

const char* partition_state_name(PartitionState state);
const char* job_state_name(JobState state);
bool is_final(JobState state);

// What an attempt produced: the one struct from the worker's outcome
// through Done to this record (proto/messages.h).
using PartStats = proto::PartStats;

// A record pinned as crashing the workers that process it: every later
// attempt of its partition rejects it with `reason` instead of processing it.
struct SkippedRecord {
  uint64_t offset = 0;
  std::string reason;  // "worker crashed on this record (signal 11, SIGSEGV)"
};

// What the coordinator knows of the deaths of a partition's holders (lost
// leases, not task errors), to find a record that crashes workers.
struct HolderDeaths {
  uint32_t in_a_row = 0;                      // since the last pin or commit
  std::optional<uint64_t> last_offset;        // where the last lost holder had got to
  bool isolating = false;                     // attempts announce every batch
  std::optional<uint64_t> single_from;        // isolating: single records from here
  std::optional<uint64_t> last_single_death;  // a single record was running at a death
};

struct PartitionRecord {
  uint32_t index = 0;
  PlannedRange range;
  // A task of the exchange's second stage (docs/ARCHITECTURE.md, "Stages and
  // exchanges"): it reads buckets [bucket_begin, bucket_end) of every map
  // output and writes part number index - JobRecord::map_tasks. `range` is
  // unused then.
  bool is_bucket = false;
  uint32_t bucket_begin = 0;
  uint32_t bucket_end = 0;
  // The merge task of a job that sorts after its aggregate: it merges the
  // bucket tasks' sorted outputs into the one part.
  bool is_final = false;
  PartitionState state = PartitionState::kPlanned;
  uint32_t attempts_started = 0;  // attempt numbers are 1, 2, ...; never reused
  uint32_t attempts_failed = 0;   // infrastructure failures (not bad data, not wrong guesses)
  uint32_t attempt = 0;           // the attempt leased, written or committed
  bool start_is_exact = false;    // the next attempt starts at exact_start_offset
  uint64_t exact_start_offset = 0;
  PartStats stats;
  std::string last_error;
  HolderDeaths deaths;
  std::vector<SkippedRecord> skipped;
};

// What an incremental lineage knows of an input file: its identity when it
// was read (size, modification time, xxh64 of its first and last 64 KiB).
struct InputVersion {
  std::string path;
  uint64_t size_bytes = 0;
  int64_t mtime_ns = 0;
  uint64_t head_checksum = 0;
  uint64_t tail_checksum = 0;
  bool operator==(const InputVersion&) const = default;
};

// A file that changed after a run of its lineage published its output.
struct InputChange {
  InputVersion before;  // as processed
  InputVersion now;     // as found by this run
  bool reprocess = false;
};

// An input file an incremental lineage has published output for: key
// "seen/<lineage>/<path>", written in the batch that marks its run succeeded.
struct SeenFile {
  InputVersion identity;                 // as processed
  std::optional<InputVersion> reported;  // a change already reported (on_change: report)
  std::string job_id;                    // the run that published it
  uint32_t generation = 0;
  uint32_t first_part = 0;  // its first part number, for ordering
  // Its manifest entries: {"parts": [...], "rejects": [...], "partitions": [...]}.
  std::string output_json;
};

struct JobRecord {
  std::string id;
  std::string name;
  std::string spec_yaml;
  std::string spec_file;
  std::string base_dir;
  std::string output_dir;  // absolute
  std::string extension;   // of part files, e.g. ".csv"
  std::vector<InputFile> inputs;
  uint32_t partitions_total = 0;
  uint32_t max_attempts = 0;
  bool has_header = true;
  bool has_aggregate = false;
  bool speculative = false;  // job file: speculative: true (stragglers get a second attempt)
  // The exchange (has_aggregate): partitions [0, map_tasks) are the map tasks
  // (one per input range); each writes its partial states hash-partitioned
  // into exchange_buckets(spec) buckets. Once they are all published the bucket tasks
  // [map_tasks, ...) are planned (buckets_planned), each over a run of
  // neighbouring buckets, and write the parts.
  uint32_t map_tasks = 0;
  bool buckets_planned = false;
  // A join (common/exchange/join_plan.h): the last map_tasks_right map tasks read
  // the join's input (its files are the last of `inputs`, from
  // right_inputs_from on); join_right_columns are its columns after its
  // schema gate, what those map tasks write.
  uint32_t map_tasks_right = 0;
  uint32_t right_inputs_from = 0;
  std::vector<std::string> join_right_columns;
  // The join runs as a lookup (join_as_lookup): map-only, no right map tasks.
  bool join_broadcast = false;
  // A sort after the aggregate: the bucket tasks write their groups sorted
  // (to _partials/<job>/sorted-NNNNN.bin) and one merge task, planned when
  // they are all published (final_planned), merges them into part 0.
  bool final_merge = false;
  bool final_planned = false;
  // The input's columns the steps were checked against (check_job), for the
  // bucket tasks, which compile the steps without reading an input.
  std::vector<std::string> input_columns;
  bool header_known = true;
  JobState state = JobState::kRunning;
  std::string error;
  int64_t created_unix = 0;
  int64_t finished_unix = 0;
  // An incremental run (input.incremental; coordinator/incremental.h): one
  // run of a lineage. Partition i publishes part number part_base + i.
  std::string lineage_id;   // empty: not incremental
  uint32_t generation = 0;  // the manifest generation it publishes
  uint32_t part_base = 0;
  std::vector<InputVersion> identities;  // of `inputs`, parallel to them
  std::vector<InputChange> changes;      // files changed since they were processed
  std::vector<std::string> replaced;     // output files it replaces, removed after it succeeds
  // output.mode (publisher.h): overwrite builds the output beside the
  // directory and swaps it in; append publishes parts from part_base on.
  OutputMode output_mode = OutputMode::kError;
  // output.partition_by: parts are files OUT/<dir>/part-NNNNN.<ext>, one
  // per partition value a task met (PartStats::files).
  std::vector<std::string> partition_by;
  // Hive-partitioned input (common/job/hive_prune.h): the files of `inputs`
  // the filters ruled out by their partition values, never planned.
  uint64_t hive_files_skipped = 0;
  uint64_t hive_bytes_skipped = 0;
  // An s3:// output: the local directory of its exchange (map outputs,
  // sorted outputs; coordinator/s3_output.h), fixed at admission. Empty for
  // a directory output (its working files live in it).
  std::string exchange_dir;
  // Not stored: the job file compiled (coordinator/compiled_job.h), built at
  // admission and when the ledger is loaded; shared by every copy of the
  // record. encode_job leaves it out, decode_job leaves it null.
  std::shared_ptr<const CompiledJob> compiled;
};

std::string encode_job(const JobRecord& job);
Result<JobRecord> decode_job(const std::string& text);
std::string encode_partition(const PartitionRecord& partition);
Result<PartitionRecord> decode_partition(const std::string& text);
std::string encode_seen_file(const SeenFile& file);
Result<SeenFile> decode_seen_file(const std::string& text);

}  // namespace sluice
