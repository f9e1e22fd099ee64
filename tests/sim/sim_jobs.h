#pragma once
// The jobs of a run (tests/sim/README.md, "Jobs"): each one's input (records
// "id,letters" drawn by the seed), what it does (JobKind) and its job file;
// and the run's faults.

#include <cstdint>
#include <functional>
#include <string>

#include "tests/sim/world.h"

namespace sluice::sim {

inline constexpr uint64_t kSplitBytes = 256;  // limits::kSplitBytesMin

// Records "id,<value>\n" after `header`, about `partitions` splits of them;
// `write_value` appends a record's value (the seed's draws, in order). One
// record in about seven is rejected.
Input make_csv_input(Rng& rng, uint32_t partitions, const std::string& header,
                     const std::function<void(Rng&, std::string&)>& write_value);

// Records "id,letters\n" after a header, about `partitions` splits of it.
Input make_input(Rng& rng, uint32_t partitions);

// The faults of a run (one run in ten has none).
Faults draw_faults(Rng& rng);

// What the job does: its kind drawn (map-only 3 in 6, aggregate 2,
// partition_by 1) and an aggregate's buckets.
void draw_job_kind(Rng& rng, SimJob& job);

// Sorts and joins, drawn apart (a run without one is the run it was before
// the simulation had them): an aggregate in three is sorted by its key
// after (a merge task writes part 0); of the map-only jobs without a poison
// record, one in four is a global sort by value and one in four a join
// with a right input of 1-4 partitions (1-4 bucket tasks).
void draw_sort_or_join(Rng& rng, SimJob& job);

// The job file: input.csv into out/ under the job's directory, and the steps
// the simulated workers stand for (sim_exchange.h).
std::string job_yaml(const SimJob& job);

}  // namespace sluice::sim
