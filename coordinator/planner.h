#pragma once
// The planner turns a job's input paths into files and byte-range partitions.
// Pure: it touches the filesystem only to list and stat inputs.

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/job/inputs.h"

namespace sluice {

struct PlannedRange {
  uint32_t file_index = 0;
  uint64_t begin_offset = 0;  // records that start in [begin, end) belong to it
  uint64_t end_offset = 0;
};

// Splits each file into ranges of `split_size_bytes` (the last may be shorter).
// An empty file still gets one (empty) range so that it appears in the output.
// A compressed input (.gz, .zst) is one range [0, size).
std::vector<PlannedRange> plan_ranges(const std::vector<InputFile>& files,
                                      uint64_t split_size_bytes);

}  // namespace sluice
