#include "worker/bucket_task.h"

#include <fmt/format.h>

#include <filesystem>

#include "common/base/limits.h"
#include "common/csv/range_reader.h"
#include "common/exchange/exchange.h"
#include "common/exchange/external_sort.h"
#include "common/exchange/map_output.h"
#include "common/exchange/sort_key.h"
#include "common/io/byte_source.h"
#include "common/io/row_writer.h"
#include "common/pipeline/external_aggregate.h"
#include "common/pipeline/pipeline.h"
#include "worker/map_output_reader.h"
#include "worker/part_writer.h"
#include "worker/sort_bucket_task.h"

namespace sluice {
namespace {

// A partition value too long for a file name fails the job (kDataError);
// anything else is the worker's trouble.
TaskOutcome failed_writing(const Status& status) {
  return failure(status.message(), status.code() != StatusCode::kDataError);
}

}  // namespace

TaskOutcome run_merge_task(const TaskSpec& task, const JobSpec& spec, TaskControl& control) {
  auto compiled = Pipeline::compile(spec, task.input_columns, task.header_known);
  if (!compiled.is_ok()) return failure(compiled.status().message(), false);
  Pipeline& pipeline = *compiled.value();
  std::vector<std::string> paths;
  for (uint32_t bucket = 0; bucket < task.sorted_output_count; ++bucket) {
    paths.push_back(fmt::format("{}/sorted-{:05}.bin", task.map_output_dir, bucket));
  }
  auto writer = PartWriter::open(task.temp_path, spec, pipeline.output_columns(),
                                 pipeline.output_types(), spec.memory_per_task_bytes / 2);
  if (!writer.is_ok()) return failure(writer.status().message(), true);
  // A limit after the sort: the first rows, the rest merged but not written.
  const uint64_t rows_max = pipeline.sort_limit().value_or(UINT64_MAX);
  uint64_t rows_written = 0;
  OutputBatch head;
  Status merged = merge_sorted_files(
      paths, pipeline.output_columns().size(), [&](const OutputBatch& rows) -> Status {
        if (control.abort.load(std::memory_order_relaxed)) return internal_error("aborted");
        if (rows_written >= rows_max) return Status::ok();
        if (rows.row_count <= rows_max - rows_written) {
          rows_written += rows.row_count;
          return writer.value()->write(rows);
        }
        const size_t count = static_cast<size_t>(rows_max - rows_written);
        head.clear();
        head.column_count = rows.column_count;
        head.row_count = count;
        head.fields.assign(rows.fields.begin(),
                           rows.fields.begin() + static_cast<ptrdiff_t>(count * rows.column_count));
        head.nulls.assign(rows.nulls.begin(),
                          rows.nulls.begin() + static_cast<ptrdiff_t>(count * rows.column_count));
        rows_written += count;
        return writer.value()->write(head);
      });
  if (!merged.is_ok()) return failed_writing(merged);
  TaskOutcome outcome;
  auto rows = writer.value()->finish(outcome);
  if (!rows.is_ok()) return failed_writing(rows.status());
  outcome.ok = true;
  outcome.stats.rows_in = rows.value();
  outcome.stats.rows_out = rows.value();
  return outcome;
}

TaskOutcome run_bucket_task(const TaskSpec& task, const JobSpec& spec, TaskControl& control) {
  auto compiled = Pipeline::compile(spec, task.input_columns, task.header_known);
  if (!compiled.is_ok()) return failure(compiled.status().message(), false);
  Pipeline& pipeline = *compiled.value();
  if (pipeline.has_global_sort()) return run_sort_bucket_task(task, spec, control);
  pipeline.set_abort(&control.abort);
  if (!pipeline.has_aggregate()) return failure("a bucket task of a job without aggregate", false);
  const AggregatePlan& plan = pipeline.aggregate_plan();
  const uint32_t buckets = exchange_buckets(spec);
  if (task.bucket_begin >= task.bucket_end || task.bucket_end > buckets) {
    return failure(fmt::format("buckets {}..{} are not of an exchange of {}", task.bucket_begin,
                               task.bucket_end, buckets),
                   false);
  }

  const bool sorted = pipeline.sorts_after_aggregate();
  const std::string spill_dir = task.temp_path + ".spill";
  // With a sort, the table and the sorter share memory_per_task.
  const uint64_t table_bytes_max = spec.memory_per_task_bytes / (sorted ? 2 : 1);
  ExternalAggregator table(plan, table_bytes_max, spill_dir);
  MapOutputRead read;
  read.buckets = buckets;
  read.expected_columns = plan.partial_columns.size();
  read.max_record_bytes = partial_record_bytes_max(plan, spec.input.max_record_size_bytes);
  uint64_t bytes_read = 0;
  for (uint32_t map_task = 0; map_task < task.map_output_count; ++map_task) {
    if (control.abort.load(std::memory_order_relaxed)) return failure("aborted", true);
    auto stopped = read_map_output_buckets(
        task, map_task, read,
        [&](const RecordBatch& batch, const std::string& path) -> std::optional<TaskOutcome> {
          Status merged = table.add_partial(batch);
          if (merged.is_ok()) return std::nullopt;
          // Spilling failed (kIoError): the worker's disk; else the rows are bad.
          if (merged.code() == StatusCode::kIoError) return failure(merged.message(), true);
          return map_output_lost(map_task, fmt::format("{}: {}", path, merged.message()));
        },
        bytes_read, control);
    if (stopped) return *stopped;
  }

  // A job that sorts after its aggregate: the rows after the steps go to an
  // external sort (key: the sort columns, then the whole row, so that ties
  // are broken the same in every task) and out as one sorted file, which
  // the merge task merges with the other buckets' (merge_task).
  std::unique_ptr<PartWriter> writer;
  std::unique_ptr<ExternalSorter> sorter;
  std::vector<Pipeline::OutputSortKey> sort_keys;
  const size_t output_columns = pipeline.output_columns().size();
  const std::vector<expr::Type> output_types = pipeline.output_types();
  if (sorted) {
    auto keys = pipeline.output_sort_keys();
    if (!keys.is_ok()) return failure(keys.status().message(), false);
    sort_keys = std::move(keys).value();
    sorter = std::make_unique<ExternalSorter>(output_columns, spec.memory_per_task_bytes / 2,
                                              task.temp_path + ".sort");
  } else {
    auto opened = PartWriter::open(task.temp_path, spec, pipeline.output_columns(), output_types,
                                   spec.memory_per_task_bytes / 4);
    if (!opened.is_ok()) return failure(opened.status().message(), true);
    writer = std::move(opened).value();
  }
  std::string key;
  auto write = [&](const OutputBatch& rows) -> Status {
    if (!sorted) return writer->write(rows);
    for (size_t row = 0; row < rows.row_count; ++row) {
      key.clear();
      for (const Pipeline::OutputSortKey& sort_key : sort_keys) {
        append_sort_key(key, sort_key.type, rows.field(row, sort_key.column),
                        rows.is_null(row, sort_key.column), sort_key.descending);
      }
      for (size_t column = 0; column < output_columns; ++column) {
        append_sort_key(key, expr::Type::kString, rows.field(row, column),
                        rows.is_null(row, column), false);
      }
      SLUICE_RETURN_IF_ERROR(sorter->add(key, rows, row));
    }
    return Status::ok();
  };
  uint64_t groups = 0;
  // A global aggregate (no `by`) over no rows is one row in SQL: only the
  // task holding the (empty) key's bucket gives it.
  const bool global = plan.key_names.empty();
  const uint32_t global_bucket = bucket_of_row(OutputBatch(), 0, 0, buckets);
  const bool owns_global = task.bucket_begin <= global_bucket && global_bucket < task.bucket_end;
  Status finished = table.finish([&](std::vector<expr::Vector>& columns, size_t rows) -> Status {
    if (global && !owns_global) return Status::ok();
    groups += rows;
    if (control.abort.load(std::memory_order_relaxed)) return internal_error("aborted");
    return pipeline.run_after_aggregate(std::move(columns), rows, write, /*sort=*/false);
  });
  if (!finished.is_ok()) return failed_writing(finished);
  TaskOutcome outcome;
  uint64_t rows_out = 0;
  if (sorted) {
    auto stats = sorter->finish_to_file(task.temp_path);
    if (!stats.is_ok()) return failure(stats.status().message(), true);
    rows_out = stats->rows;
    outcome.stats.bytes_written = stats->bytes;
    outcome.stats.checksum = stats->checksum;
  } else {
    auto rows = writer->finish(outcome);
    if (!rows.is_ok()) return failed_writing(rows.status());
    rows_out = rows.value();
  }
  std::error_code ignored;
  std::filesystem::remove_all(spill_dir, ignored);
  std::filesystem::remove_all(task.temp_path + ".sort", ignored);

  outcome.ok = true;
  outcome.stats.rows_in = groups;
  outcome.stats.rows_out = rows_out;
  outcome.stats.rows_filtered = groups - rows_out;
  outcome.stats.bytes_read = bytes_read;
  return outcome;
}

}  // namespace sluice
