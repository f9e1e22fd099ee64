#pragma once
// What the coordinator keeps durably about jobs and partitions.
//
// The life of a partition:
//   planned -> leased(attempt) -> written(attempt) -> committed(attempt) -> published
// "written": a worker reported a complete, fsynced temporary file whose first
// record offset is not yet verified against the previous partition's end.
// "committed": the ledger durably chose this attempt; the rename may follow.

#include <cstdint>
#include <string>
#include <vector>

#include "coordinator/planner.h"

namespace sluice {

enum class PartitionState : uint8_t { kPlanned, kLeased, kWritten, kCommitted, kPublished };
enum class JobState : uint8_t { kRunning, kSucceeded, kFailed, kCancelled };

const char* partition_state_name(PartitionState state);
const char* job_state_name(JobState state);
bool is_final(JobState state);

struct PartStats {
  uint64_t rows_in = 0;
  uint64_t rows_out = 0;
  uint64_t rows_filtered = 0;
  uint64_t rows_rejected = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t checksum = 0;
  uint64_t rejects_bytes = 0;
  uint64_t rejects_checksum = 0;
  uint64_t start_offset = 0;  // where its first record started
  uint64_t end_offset = 0;    // where the next partition's first record starts
};

struct PartitionRecord {
  uint32_t index = 0;
  PlannedRange range;
  PartitionState state = PartitionState::kPlanned;
  uint32_t attempts_started = 0;  // attempt numbers are 1, 2, ...; never reused
  uint32_t attempts_failed = 0;   // infrastructure failures (not bad data, not wrong guesses)
  uint32_t attempt = 0;           // the attempt leased, written or committed
  bool start_is_exact = false;    // the next attempt starts at exact_start_offset
  uint64_t exact_start_offset = 0;
  PartStats stats;
  std::string last_error;
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
  bool speculative = false;  // job file: speculative: true (stragglers get a second attempt)  //
                             // partitions commit partial states; one merge makes the output
  JobState state = JobState::kRunning;
  std::string error;
  int64_t created_unix = 0;
  int64_t finished_unix = 0;
};

std::string encode_job(const JobRecord& job);
Result<JobRecord> decode_job(const std::string& text);
std::string encode_partition(const PartitionRecord& partition);
Result<PartitionRecord> decode_partition(const std::string& text);

}  // namespace sluice
