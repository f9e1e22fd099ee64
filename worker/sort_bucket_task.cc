#include "worker/sort_bucket_task.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "common/base/limits.h"
#include "common/exchange/sort_ranges.h"
#include "common/exchange/sort_record.h"
#include "common/exchange/sorted_output.h"
#include "common/io/byte_source.h"
#include "common/io/row_writer.h"
#include "common/pipeline/pipeline.h"
#include "worker/part_writer.h"

namespace sluice {
namespace {

std::string map_output_path(const TaskSpec& task, uint32_t map_task) {
  return fmt::format("{}/map-{:05}.bin", task.map_output_dir, map_task);
}

}  // namespace

TaskOutcome run_sort_bucket_task(const TaskSpec& task, const JobSpec& spec, TaskControl& control) {
  auto compiled = Pipeline::compile(spec, task.input_columns, task.header_known);
  if (!compiled.is_ok()) return failure(compiled.status().message(), false);
  compiled.value()->set_abort(&control.abort);
  const Pipeline& pipeline = *compiled.value();
  if (task.bucket_tasks == 0 || task.bucket_begin >= task.bucket_tasks) {
    return failure(fmt::format("sort bucket task {} of {}", task.bucket_begin, task.bucket_tasks),
                   false);
  }

  // Every map output's sample: the same in every bucket task, so the same ranges.
  std::vector<SortSample> samples;
  for (uint32_t map_task = 0; map_task < task.map_output_count; ++map_task) {
    const std::string path = map_output_path(task, map_task);
    auto source = FileSource::open(path);
    if (!source.is_ok()) return map_output_lost(map_task, source.status().message());
    auto footer = read_sorted_output_footer(*source.value(), path, /*with_index=*/false);
    if (!footer.is_ok()) return map_output_lost(map_task, footer.status().message());
    for (SortSample& sample : footer->sample) samples.push_back(std::move(sample));
  }
  const KeyRange range =
      key_range_of_task(std::move(samples), task.bucket_tasks, task.bucket_begin);

  // A cursor over the range of every map output (one block buffered each).
  const size_t columns = pipeline.output_columns().size();
  std::vector<std::unique_ptr<SortedRangeCursor>> cursors;
  uint64_t block_bytes_max = 0;
  for (uint32_t map_task = 0; map_task < task.map_output_count; ++map_task) {
    if (control.abort.load(std::memory_order_relaxed)) return failure("aborted", true);
    const std::string path = map_output_path(task, map_task);
    auto source = FileSource::open(path);
    if (!source.is_ok()) return map_output_lost(map_task, source.status().message());
    auto footer = read_sorted_output_footer(*source.value(), path, /*with_index=*/true);
    if (!footer.is_ok()) return map_output_lost(map_task, footer.status().message());
    auto cursor = std::make_unique<SortedRangeCursor>(std::move(source).value(), path,
                                                      std::move(footer->blocks), columns, range.lo,
                                                      range.hi, map_task);
    block_bytes_max = std::max(block_bytes_max, cursor->block_bytes_max());
    cursors.push_back(std::move(cursor));
  }
  // Half of memory_per_task for the cursors' blocks, the rest for the
  // batch being written: as many cursors at once as that holds.
  const size_t fan_in = static_cast<size_t>(
      std::clamp<uint64_t>(spec.memory_per_task_bytes / 2 / std::max<uint64_t>(block_bytes_max, 1),
                           2, limits::kSortMergeFanInMax));

  auto writer = PartWriter::open(task.temp_path, spec, pipeline.output_columns(),
                                 pipeline.output_types(), spec.memory_per_task_bytes / 4);
  if (!writer.is_ok()) return failure(writer.status().message(), true);
  const std::function<Status(const OutputBatch&)> emit = [&](const OutputBatch& rows) -> Status {
    if (control.abort.load(std::memory_order_relaxed)) return internal_error("aborted");
    return writer.value()->write(rows);
  };
  BatchBuilder builder(columns, /*copy=*/true, emit);
  const uint64_t rows_max = pipeline.sort_limit().value_or(UINT64_MAX);
  uint64_t rows = 0, bytes_read = 0;
  uint32_t failed_origin = UINT32_MAX;
  const std::string spill_dir = task.temp_path + ".merge";
  Status merged = merge_sorted_ranges(
      std::move(cursors), columns, fan_in, spill_dir,
      [&](const SortedRangeCursor& cursor, bool& stop) -> Status {
        if (rows == rows_max) {
          stop = true;
          return Status::ok();
        }
        rows++;
        bytes_read += cursor.record_length();
        if (rows % limits::kBatchRowsMax == 0) {
          control.bytes_read.store(bytes_read, std::memory_order_relaxed);
        }
        return builder.add(cursor.record(), cursor.spans());
      },
      failed_origin);
  if (merged.is_ok()) merged = builder.flush();
  std::error_code ignored;
  std::filesystem::remove_all(spill_dir, ignored);
  if (!merged.is_ok()) {
    if (merged.code() == StatusCode::kDataError && failed_origin != UINT32_MAX) {
      return map_output_lost(failed_origin, merged.message());
    }
    return failure(merged.message(), merged.code() != StatusCode::kDataError);
  }
  TaskOutcome outcome;
  auto written = writer.value()->finish(outcome);
  if (!written.is_ok()) {
    return failure(written.status().message(), written.status().code() != StatusCode::kDataError);
  }
  outcome.ok = true;
  outcome.stats.rows_in = rows;
  outcome.stats.rows_out = written.value();
  outcome.stats.bytes_read = bytes_read;
  return outcome;
}

}  // namespace sluice
