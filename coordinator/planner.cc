#include "coordinator/planner.h"

#include <algorithm>

namespace sluice {
std::vector<PlannedRange> plan_ranges(const std::vector<InputFile>& files,
                                      uint64_t split_size_bytes) {
  SLUICE_ASSERT(split_size_bytes > 0, "split size must be positive");
  std::vector<PlannedRange> ranges;
  for (uint32_t file_index = 0; file_index < files.size(); ++file_index) {
    const uint64_t size = files[file_index].size_bytes;
    if (is_compressed_input(files[file_index].path)) {
      // A gzip/zstd stream cannot be entered in the middle: one partition.
      ranges.push_back(PlannedRange{file_index, 0, size});
      continue;
    }
    uint64_t begin = 0;
    do {
      const uint64_t end = std::min(size, begin + split_size_bytes);
      ranges.push_back(PlannedRange{file_index, begin, end});
      begin = end;
    } while (begin < size);
  }
  return ranges;
}

}  // namespace sluice
