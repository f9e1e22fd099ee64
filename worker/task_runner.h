#pragma once
// The task runner does one attempt of one partition: extract (read the byte
// range with bounded memory) -> transform (the job's pipeline) -> load (write
// a temporary part file and its rejects, fsynced). It talks to no socket; the
// link reports its outcome.
// Thread safety: one call per thread; TaskControl is shared with the link.

#include <atomic>
#include <cstdint>
#include <string>

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
};

// Shared between the running task and the link thread.
struct TaskControl {
  std::atomic<bool> abort{false};
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> rows_read{0};
};

struct TaskOutcome {
  bool ok = false;
  std::string error;       // when !ok
  bool retryable = false;  // when !ok: infrastructure trouble, not the job's fault
  uint64_t rows_in = 0, rows_out = 0, rows_filtered = 0, rows_rejected = 0;
  uint64_t bytes_read = 0, bytes_written = 0, checksum = 0;
  uint64_t rejects_bytes = 0, rejects_checksum = 0;
  uint64_t start_offset = 0, end_offset = 0;
};

TaskOutcome run_task(const TaskSpec& task, TaskControl& control);

}  // namespace sluice
