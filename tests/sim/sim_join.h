#pragma once
// The simulated work and the invariants of a join of two inputs
// (docs/ARCHITECTURE.md "Join"; JobKind::kJoin). The job file derives
// key = the value's first letter and joins, inner, with right.csv on
// key = rkey (one letter, or empty), keeping rid. The coordinator plans it
// as an exchange: the left input's map tasks, then the right input's
// (JobRecord::map_tasks_right, Task.joinRightSide), then bucket tasks.
//
// A map task writes its range's records that are not rejected and whose
// key is not empty (an empty key matches nothing: dropped at the map side,
// as the real map side drops NULL keys) as "bucket,side,key,id" lines after
// "attempt N", hash-partitioned by key (sim_exchange.h bucket_of); its
// rejected records go to its rejects. A bucket task reads its buckets of
// every map output and writes, key by key, each left id with each right id
// ("id,rid"). Both are deterministic functions of the task and of what is
// published.

#include <cstdint>
#include <string>
#include <vector>

#include "coordinator/scheduler.h"
#include "tests/sim/sim_exchange.h"

namespace sluice::sim {

// The join's right input: "rid,rkey" records, rkey one letter or empty.
Input make_right_input(Rng& rng, uint32_t partitions);

// A map task of either side over records [first, end) of its input.
MapOutput join_map(const Input& input, size_t first, size_t end, bool right_side, uint32_t buckets,
                   uint32_t attempt);

// A bucket task over buckets [bucket_begin, bucket_end) of map outputs
// [0, map_outputs) (all of them: JobRecord::map_tasks, but for
// PlantedBug::kJoinMissesAMapOutput), or the first map task whose published
// output is missing.
BucketOutput join_bucket(const JobRecord& job, uint32_t bucket_begin, uint32_t bucket_end,
                         uint32_t map_outputs, uint32_t attempt);

// After the run, for a join that succeeded: every matching pair (a left and
// a right record, neither rejected, of the same non-empty key) in exactly
// one part, the one whose buckets hold its key, and nothing else there; each
// part the attempt the ledger committed; each side's rejected records in
// exactly one of its map tasks' rejects files. Returns the files of `out`
// that belong there.
std::vector<std::string> check_join_output(const JobRecord& job, const Scheduler& scheduler,
                                           const Input& left, const Input& right, uint32_t buckets,
                                           const std::string& out,
                                           std::vector<std::string>& violations);

}  // namespace sluice::sim
