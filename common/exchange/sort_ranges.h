#pragma once
// A global sort's range partitioning and merge (docs/ARCHITECTURE.md,
// "Global sort"). Every bucket task reads the samples of every map output
// and computes the same boundaries (as Hadoop's TeraSort and Spark's
// RangePartitioner choose split points from a sample, here weighted by the
// bytes each sampled key stands for); bucket task n of T then merges the
// records of every map output in [boundary n-1, boundary n).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/exchange/sorted_output.h"

namespace sluice {

struct KeyRange {
  std::string lo;                 // inclusive; "" is below every key
  std::optional<std::string> hi;  // exclusive; none: above every key
};

// The key range of bucket task `task` of `tasks`, from the samples of every
// map output (in any order: they are sorted here). The ranges of tasks
// 0..tasks-1 are consecutive and cover every key; each holds about 1/tasks
// of the sampled bytes. Deterministic: the same samples give the same ranges.
KeyRange key_range_of_task(std::vector<SortSample> samples, uint32_t tasks, uint32_t task);

// Merges the cursors' records in key order (ties: the earlier cursor first)
// and hands each to `take`, which may set `stop` to end the merge. At most
// `fan_in` (at least 2) cursors are read at once: more are first merged, in
// groups of `fan_in` neighbours, into sorted outputs in `spill_dir` (removed
// before this returns), a pass at a time. When a cursor fails, its origin is
// stored in `failed_origin` (a pass's own files are origin UINT32_MAX).
Status merge_sorted_ranges(std::vector<std::unique_ptr<SortedRangeCursor>> cursors, size_t columns,
                           size_t fan_in, const std::string& spill_dir,
                           const std::function<Status(const SortedRangeCursor&, bool& stop)>& take,
                           uint32_t& failed_origin);

}  // namespace sluice
