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
#include "proto/messages.h"

namespace sluice {

using PartStats = proto::PartStats;

// One attempt as the coordinator sent it (proto/messages.h).
using TaskSpec = proto::Task;

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
  PartStats stats;         // when ok: what Done reports, as the ledger records it
  // A bucket task: the output of map task lost_map_task is missing or fails
  // its checksum (the coordinator runs that map task again).
  bool map_output_lost = false;
  uint32_t lost_map_task = 0;
  bool no_free_slot = false;      // refused for want of a slot: nothing ran
  bool job_file_missing = false;  // refused for want of the job's file: nothing ran
};

class JobFile;

// `job`: the task's job file (worker/compiled_jobs.h), compiled here on first use.
TaskOutcome run_task(const TaskSpec& task, const JobFile& job, TaskControl& control);

// A failed outcome; `retryable`: the task's trouble, not the job's.
TaskOutcome failure(std::string error, bool retryable);
// A bucket task's outcome when map task `map_task`'s output is missing or
// corrupt: that map task runs again (TaskOutcome::map_output_lost).
TaskOutcome map_output_lost(uint32_t map_task, std::string error);

}  // namespace sluice
