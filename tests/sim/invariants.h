#pragma once
// The invariants checked after each run, and at every rename into place.

#include <set>
#include <string>
#include <vector>

#include "common/store/memory_store.h"
#include "coordinator/scheduler.h"
#include "tests/sim/world.h"

namespace sluice::sim {

// At every rename into place (and after a restart's recovery): each part
// file of `dir`/out not checked before must belong to an attempt whose
// commit is durable — what a power cut now would leave says committed or
// published, for that very attempt. Returns how many it had not checked before.
size_t check_published_parts(const JobRecord& job, const MemoryDisk& disk, const std::string& dir,
                             std::set<std::string>& checked, std::vector<std::string>& violations);

// After the run:
//  - the job succeeded, every partition is published, and a power cut now
//    would leave it so (the durable ledger says so too);
//  - each partition's part holds the attempt the ledger committed;
//  - every input record is in exactly one part, or (rejected) in exactly
//    one rejects file, and nowhere else: no loss, no duplicate;
//  - nothing else is left: no temporary file, no stray part;
//  - the manifest and _SUCCESS are there.
//  - by kind: an aggregate's check_aggregate_output (sim_exchange.h), a
//    sort's check_sort_output or check_merged_output (sim_sort.h), a join's
//    check_join_output (sim_join.h).
// (`ran`: the job as admitted, its input, kind and directory.)
void check_final(const SimJob& ran, const Scheduler& scheduler, const MemoryDisk& disk,
                 std::vector<std::string>& violations);

// After a run whose job the user cancelled: the job ended cancelled, and a
// power cut now would leave it so; nothing of it is left in the output
// directory — no part, rejects, map output, manifest or temporary file
// (empty directories aside). (That no part was renamed into place after
// the cancel is checked at every rename.)
void check_cancelled(const JobRecord& job, const Scheduler& scheduler, const MemoryDisk& disk,
                     const std::string& dir, std::vector<std::string>& violations);

}  // namespace sluice::sim
