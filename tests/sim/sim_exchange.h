#pragma once
// The simulated work and the invariants of a job with an exchange (an
// aggregate, docs/ARCHITECTURE.md "Stages and exchanges"). The aggregate the
// simulation means: group the records by the first letter of their value
// (none: the empty key), per group the count of records and the sum of their
// ids. A map task folds its range's records into groups and writes them
// hash-partitioned by key as "bucket,key,count,sum" lines after "attempt N";
// a bucket task merges its buckets' lines from every published map output
// into "key,count,sum" lines after "attempt N". Both are deterministic
// functions of the task and of what is published.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/scheduler.h"
#include "tests/sim/sim_types.h"

namespace sluice::sim {

struct Group {
  uint64_t count = 0;
  uint64_t sum = 0;
  bool operator==(const Group&) const = default;
};

// The group key of input record `record`, and its bucket among `buckets`.
std::string group_key(const Input& input, size_t record);
uint32_t bucket_of(const std::string& key, uint32_t buckets);
// output.partition_by: [key] — the Hive directory of input record `record`
// ("key=a", or the default partition for the empty key).
std::string partition_dir_of(const Input& input, size_t record);

// A read task of a partitioned output over records [first, end): one file
// per partition directory met ("attempt N" then its records), in directory
// order, its rejects, and its stats (PartStats::files; offsets left to the
// caller).
struct PartitionedOutput {
  std::vector<std::string> texts;  // parallel to stats.files
  std::string rejects;
  PartStats stats;
};
PartitionedOutput partitioned_part(const Input& input, size_t first, size_t end, uint32_t attempt);

// A map task over records [first, end): its map output's text, its rejects'
// text, and the stats it reports (offsets left to the caller).
struct MapOutput {
  std::string text, rejects;
  PartStats stats;
};
MapOutput aggregate_map(const Input& input, size_t first, size_t end, uint32_t buckets,
                        uint32_t attempt);

// A bucket task: its part's text and stats, or the first map task whose
// published output is missing (Failed.mapOutputLost).
struct BucketOutput {
  std::string text;
  PartStats stats;
  std::optional<uint32_t> lost_map_task;
};
BucketOutput aggregate_bucket(const JobRecord& job, uint32_t bucket_begin, uint32_t bucket_end,
                              uint32_t attempt);

// The groups of the input's records that are not rejected, by key.
std::map<std::string, Group> expected_groups(const Input& input);

// The part bucket task `index` published (its name appended to `files`),
// checked to be the attempt the ledger committed (a violation if not).
std::string read_committed_part(const JobRecord& job, const Scheduler& scheduler, uint32_t index,
                                const std::string& out, std::vector<std::string>& files,
                                std::vector<std::string>& violations);

// After the run, for a job with an exchange that succeeded: every rejected
// record of `input` in exactly one rejects file of map tasks
// [first_map, end_map) (those that read it), none other there. Returns
// those files (in `out`).
std::vector<std::string> check_map_rejects(const JobRecord& job, const Scheduler& scheduler,
                                           const Input& input, const std::string& out,
                                           std::vector<std::string>& violations,
                                           uint32_t first_map = 0, uint32_t end_map = UINT32_MAX);

// After the run, for an aggregate job that succeeded: every group of the
// input in exactly one bucket part, in the bucket task that owns its key,
// with the count and sum computed from the input's records that are not
// rejected; each part holding the attempt the ledger committed; every
// rejected record in exactly one rejects file of a map task. Returns the
// files of `out` that belong there (parts and rejects).
std::vector<std::string> check_aggregate_output(const JobRecord& job, const Scheduler& scheduler,
                                                const Input& input, uint32_t buckets,
                                                const std::string& out,
                                                std::vector<std::string>& violations);

}  // namespace sluice::sim
