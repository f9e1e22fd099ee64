#include "coordinator/planner.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/base/limits.h"
#include "common/parquet/file_reader.h"
#include "common/postgres/connection.h"
#include "common/spec/job_spec.h"

namespace sluice {
std::vector<PlannedRange> plan_ranges(const std::vector<InputFile>& files,
                                      uint64_t split_size_bytes,
                                      const std::vector<std::vector<uint64_t>>* row_group_starts) {
  SLUICE_ASSERT(split_size_bytes > 0, "split size must be positive");
  std::vector<PlannedRange> ranges;
  for (uint32_t file_index = 0; file_index < files.size(); ++file_index) {
    const uint64_t size = files[file_index].size_bytes;
    if (size == 0) continue;  // no rows: no partition
    if (is_compressed_input(files[file_index].path)) {
      // A gzip/zstd stream cannot be entered in the middle: one partition.
      ranges.push_back(PlannedRange{file_index, 0, size});
      continue;
    }
    const std::vector<uint64_t>* starts = row_group_starts != nullptr &&
                                                  file_index < row_group_starts->size() &&
                                                  !(*row_group_starts)[file_index].empty()
                                              ? &(*row_group_starts)[file_index]
                                              : nullptr;
    if (starts != nullptr) {
      uint64_t begin = 0;
      for (uint64_t start : *starts) {
        if (start > begin && start < size && start - begin >= split_size_bytes) {
          ranges.push_back(PlannedRange{file_index, begin, start});
          begin = start;
        }
      }
      ranges.push_back(PlannedRange{file_index, begin, size});
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

std::vector<std::vector<uint64_t>> parquet_row_group_starts(const std::vector<InputFile>& files,
                                                            const S3Options& s3) {
  std::vector<std::vector<uint64_t>> starts(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].size_bytes == 0) continue;
    auto source = open_input_source(files[i].path, s3);
    if (!source.is_ok()) continue;
    auto info = parquet::read_file_metadata(*source.value());
    if (!info.is_ok()) continue;
    for (const parquet::RowGroupInfo& group : info->row_groups)
      starts[i].push_back(group.first_byte);
    if (starts[i].empty()) starts[i].push_back(0);  // no row groups: one range of no rows
    std::sort(starts[i].begin(), starts[i].end());
  }
  return starts;
}

std::vector<PlannedRange> plan_input_ranges(const InputSpec& input,
                                            const std::vector<InputFile>& files,
                                            const std::vector<bool>& skipped, const S3Options& s3) {
  // A skipped file is planned as an empty one is: no range, no footer read.
  std::vector<InputFile> planned = files;
  for (size_t i = 0; i < planned.size() && i < skipped.size(); ++i) {
    if (skipped[i]) planned[i].size_bytes = 0;
  }
  std::vector<std::vector<uint64_t>> row_group_starts;
  if (input.format == InputFormat::kParquet)
    row_group_starts = parquet_row_group_starts(planned, s3);
  return plan_ranges(planned, input.split_size_bytes, &row_group_starts);
}

std::vector<PlannedRange> plan_key_ranges(uint64_t span, uint64_t rows, uint64_t split_rows) {
  SLUICE_ASSERT(split_rows > 0, "split rows must be positive");
  if (span == 0 || rows == 0) return {PlannedRange{0, 0, 0}};
  const uint64_t count =
      std::min(span, std::max<uint64_t>(1, rows / split_rows + (rows % split_rows != 0 ? 1 : 0)));
  // Range i is [i * span / count, (i + 1) * span / count): widths differ by
  // at most one key, none is empty (count <= span), the last ends at span.
  std::vector<PlannedRange> ranges;
  ranges.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const auto bound = [&](uint64_t k) {
      return static_cast<uint64_t>(static_cast<unsigned __int128>(span) * k / count);
    };
    ranges.push_back(PlannedRange{0, bound(i), i + 1 == count ? span : bound(i + 1)});
  }
  return ranges;
}

Result<std::vector<PlannedRange>> plan_postgres_input(const InputSpec& input,
                                                      const std::string& base_dir,
                                                      std::vector<InputFile>& inputs) {
  SLUICE_ASSIGN_OR_RETURN(PostgresKeyStats stats, postgres_key_stats(input, base_dir));
  inputs = {postgres_input_file(input, stats)};
  std::vector<PlannedRange> ranges =
      plan_key_ranges(stats.key_span(), stats.rows, input.split_rows);
  if (ranges.size() > limits::kPartitionsMax) {
    return invalid_argument(fmt::format("input.split_rows: {} partitions is over the limit of {}",
                                        ranges.size(), limits::kPartitionsMax));
  }
  return ranges;
}

}  // namespace sluice
