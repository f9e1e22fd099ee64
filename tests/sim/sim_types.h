#pragma once
// What the simulation's parts share: its random numbers (one seed drives
// everything), the messages on its network, the input every worker reads,
// and the faults of one run.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "coordinator/scheduler.h"

namespace sluice::sim {

// splitmix64: the same sequence on every platform and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // In [0, bound); bound > 0.
  uint64_t below(uint64_t bound) { return next() % bound; }
  int64_t between(int64_t low, int64_t high) {
    return low + static_cast<int64_t>(below(static_cast<uint64_t>(high - low + 1)));
  }
  // True with probability per_million / 1e6.
  bool chance(uint32_t per_million) { return below(1'000'000) < per_million; }

 private:
  uint64_t state_;
};

enum class Kind : uint8_t {
  // worker -> coordinator
  kRegister,
  kRequestWork,
  kHeartbeat,
  kProgress,
  kDone,
  kFailed,
  // coordinator -> worker
  kWelcome,
  kTask,
  kAbort,
  kCommitDecision,
  kRegisterAgain,
  kCoordinatorHeartbeat,
  kProgressAck,
};
const char* kind_name(Kind kind);

inline constexpr const char* kCoordinator = "coordinator";
inline constexpr const char* kClient = "client";  // the user: submissions, cancels

// Failed: why (Message::count).
inline constexpr uint32_t kFailedNoFreeSlot = 0;
inline constexpr uint32_t kFailedTask = 1;       // a simulated read error, retryable
inline constexpr uint32_t kFailedNoJobFile = 2;  // the worker has not got the job's file

struct Message {
  Kind kind = Kind::kHeartbeat;
  std::string from, to;  // worker identities, or kCoordinator
  uint32_t count = 0;    // Register: slots; RequestWork: free slots; Heartbeat: active tasks;
                         // Failed: kFailed*
  std::string job_file;  // Task: the job's file, when it carries it
  AttemptRef attempt;
  PartStats stats;  // Done
  // Task: the partition's range and whether its start is exact.
  PlannedRange range;
  bool start_is_exact = false;
  uint64_t exact_start_offset = 0;
  bool accepted = false;  // CommitDecision
  // Task: a bucket task of the exchange reads buckets [bucket_begin, bucket_end)
  // (a global sort's: task bucket_begin of bucket_tasks); a merge task
  // (is_final) merges sorted_output_count sorted outputs; either writes to
  // temp_path.
  bool is_bucket = false;
  uint32_t bucket_begin = 0, bucket_end = 0, bucket_tasks = 0;
  bool is_final = false;
  uint32_t sorted_output_count = 0;
  std::string temp_path;
  // Task: a join's map task of the right input (Task.joinRightSide).
  bool join_right_side = false;
  // Task: the quarantine's (docs/ARCHITECTURE.md): announce batches of
  // records, single ones from isolate_from_offset; reject skip_offsets.
  bool isolating = false;
  uint64_t isolate_from_offset = UINT64_MAX;
  std::vector<uint64_t> skip_offsets;
  // Progress of an isolating attempt, and its ProgressAck (seq): the next
  // checkpoint_rows records from the one at checkpoint_offset.
  uint64_t checkpoint_seq = 0, checkpoint_offset = 0;
  uint32_t checkpoint_rows = 0;
  // Failed: a bucket task found map task lost_map_task's output missing.
  bool map_output_lost = false;
  uint32_t lost_map_task = 0;
};

// What the seed's job does (tests/sim/README.md).
enum class JobKind : uint8_t {
  kMapOnly,          // the records of each range into its part
  kAggregate,        // an exchange: groups by the value's first letter, count and sum of ids
  kPartitioned,      // map-only, output.partition_by the value's first letter
  kSort,             // a global sort by value (then input order): parts in key ranges
  kSortedAggregate,  // the aggregate, then sorted by key: a merge task writes part 0
  kJoin,             // an inner join with a second input on the value's first letter
};
// Whether the job has an exchange: map tasks, map outputs, bucket tasks.
inline bool has_exchange(JobKind kind) {
  return kind == JobKind::kAggregate || kind == JobKind::kSort ||
         kind == JobKind::kSortedAggregate || kind == JobKind::kJoin;
}
const char* job_kind_name(JobKind kind);

// The job's one input file, as every worker reads it.
struct Input {
  std::string text;
  uint64_t header_end = 0;        // the first record's offset
  std::vector<uint64_t> offsets;  // of each record
  std::vector<std::string> ids;   // each record's id column
  std::vector<bool> rejected;     // the simulated pipeline rejects it
  size_t poison = SIZE_MAX;       // a record that kills every worker processing it
  // The first record starting at or after `offset` (size: none).
  size_t first_at_or_after(uint64_t offset) const;
  uint64_t offset_of(size_t record) const {
    return record < offsets.size() ? offsets[record] : text.size();
  }
};

// What can go wrong, and until when (faults_until_ms); afterwards the
// network is reliable and in order, and nothing crashes.
struct Faults {
  int64_t faults_until_ms = 0;
  uint32_t drop_per_million = 0;
  uint32_t duplicate_per_million = 0;
  int64_t delay_ms_max = 0;
  uint32_t worker_crash_per_million = 0;       // per worker, per 10 ms step
  uint32_t coordinator_crash_per_million = 0;  // per coordinator round
  uint32_t crash_point_per_million = 0;        // per crash point reached
  uint32_t power_cut_per_million = 0;          // of a coordinator crash: a power cut
  uint32_t task_failure_per_million = 0;       // a task reports a retryable error
  uint32_t wrong_guess_per_million = 0;        // a speculative start guessed wrong
  uint32_t map_output_loss_per_million = 0;    // per 10 ms step: a published map output lost
  // Job files (not faults: they last the whole run). Per Task a worker
  // receives, the chance it has evicted every job file it kept (a worker
  // running more jobs than it keeps); and whether the first Task carrying a
  // job file is lost.
  uint32_t job_file_eviction_per_million = 0;
  bool lose_first_job_file = false;
};

// Planted protocol bugs the simulation must catch (its own test only).
enum class PlantedBug {
  kNone,
  kFsyncLies,
  kAcceptDoneWithoutLease,
  kPublishBeforeSync,
  kLostMapOutputForgotten,
  kLateDoneOfCancelledJob,
  kPublishBeforeDirectorySync,
  // The simulated workers' own, to show the sort's and join's invariants
  // catch a wrong result: a global sort's bucket task also writes the first
  // record of the next task's range; a join's bucket task skips the last map
  // output (the right input's last).
  kSortRangesOverlap,
  kJoinMissesAMapOutput,
};

}  // namespace sluice::sim
