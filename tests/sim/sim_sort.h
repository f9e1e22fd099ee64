#pragma once
// The simulated work and the invariants of the sorting jobs
// (docs/ARCHITECTURE.md "Global sort"; docs/REFERENCE.md "sort").
//
// A global sort (JobKind::kSort, `sort: [value]`): the key of a record is
// its value, then its id (the input order: keys are unique, ties keep input
// order). A map task writes its range's records that are not rejected,
// sorted by key, after "attempt N"; bucket task n of T reads every
// published map output, sorts all the keys and takes the n-th of T equal
// runs of them (every task computes the same boundaries from the same
// files) into part n.
//
// A sort after an aggregate (JobKind::kSortedAggregate): map and bucket
// tasks as an aggregate's (sim_exchange.h), each bucket task's groups in key
// order into its sorted output; the merge task merges the sorted outputs
// into part 0. All deterministic functions of the task and of what is
// published.

#include <cstdint>
#include <string>
#include <vector>

#include "coordinator/scheduler.h"
#include "tests/sim/sim_exchange.h"

namespace sluice::sim {

// A map task of a global sort over records [first, end).
MapOutput sort_map(const Input& input, size_t first, size_t end, uint32_t attempt);

// Bucket task `task` of `tasks` of a global sort (or the first map task
// whose published output is missing). `overlap`: PlantedBug::kSortRangesOverlap.
BucketOutput sort_bucket(const JobRecord& job, uint32_t task, uint32_t tasks, uint32_t attempt,
                         bool overlap);

// The merge task of a sort after an aggregate: the bucket tasks' sorted
// outputs (`sorted_outputs` of them) merged by key. A missing sorted output
// is reported as lost_map_task (the simulated worker fails the attempt).
BucketOutput merge_sorted_outputs(const JobRecord& job, uint32_t sorted_outputs, uint32_t attempt);

// After the run, for a global sort that succeeded: every record not
// rejected in exactly one part, the parts in name order holding the records
// in key order; each part holding the attempt the ledger committed; every
// rejected record in exactly one map task's rejects file. Returns the files
// of `out` that belong there.
std::vector<std::string> check_sort_output(const JobRecord& job, const Scheduler& scheduler,
                                           const Input& input, const std::string& out,
                                           std::vector<std::string>& violations);

// After the run, for a sort after an aggregate that succeeded: part 0 holds
// every group of the input, in key order, with its count and sum, and is
// the merge task's committed attempt; no other part; every rejected record
// in exactly one map task's rejects file. Returns the files of `out` that
// belong there.
std::vector<std::string> check_merged_output(const JobRecord& job, const Scheduler& scheduler,
                                             const Input& input, const std::string& out,
                                             std::vector<std::string>& violations);

}  // namespace sluice::sim
