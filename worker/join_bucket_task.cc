#include "worker/join_bucket_task.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "common/base/limits.h"
#include "common/csv/range_reader.h"
#include "common/exchange/bucket_join.h"
#include "common/exchange/exchange.h"
#include "common/exchange/join_plan.h"
#include "common/exchange/join_rows.h"
#include "common/exchange/map_output.h"
#include "common/io/byte_source.h"
#include "common/pipeline/pipeline.h"
#include "worker/map_output_reader.h"
#include "worker/part_writer.h"

namespace sluice {
namespace {

// The joined rows through the steps after the join: they get the rows as
// text, an empty field being NULL (join_after_spec).
class AfterJoin {
 public:
  AfterJoin(Pipeline& pipeline, PartWriter& writer) : pipeline_(pipeline), writer_(writer) {}

  Status run(const OutputBatch& rows) {
    input_.clear();
    input_.column_count = rows.column_count;
    input_.row_count = rows.row_count;
    input_.fields.assign(rows.fields.begin(), rows.fields.end());
    for (size_t i = 0; i < input_.fields.size(); ++i) {
      if (rows.nulls[i] != 0) input_.fields[i] = std::string_view();
    }
    input_.offsets.assign(rows.row_count, 0);
    input_.raw.assign(rows.row_count, std::string_view());
    output_.clear();
    rejects_.clear();
    SLUICE_RETURN_IF_ERROR(pipeline_.process(input_, output_, rejects_, counters_));
    return writer_.write(output_);
  }
  const PipelineCounters& counters() const { return counters_; }

 private:
  Pipeline& pipeline_;
  PartWriter& writer_;
  RecordBatch input_;
  OutputBatch output_;
  std::vector<RejectedRecord> rejects_;
  PipelineCounters counters_;
};

}  // namespace

TaskOutcome run_join_bucket_task(const TaskSpec& task, const JobSpec& job_spec,
                                 TaskControl& control) {
  JobSpec spec = job_spec;
  spec.base_dir = task.base_dir;  // lookup files and exec programs after the join
  auto left = Pipeline::compile(join_left_spec(spec), task.input_columns, task.header_known);
  if (!left.is_ok()) return failure(left.status().message(), false);
  auto layout = plan_join_layout(spec, left.value()->output_columns(), task.join_right_columns);
  if (!layout.is_ok()) return failure(layout.status().message(), false);
  const JobSpec after_spec = join_after_spec(spec);
  auto after = Pipeline::compile(after_spec, layout->columns);
  if (!after.is_ok()) return failure(after.status().message(), false);
  after.value()->set_abort(&control.abort);

  const uint32_t buckets = exchange_buckets(spec);
  if (task.bucket_begin >= task.bucket_end || task.bucket_end > buckets ||
      task.map_tasks_right > task.map_output_count) {
    return failure(fmt::format("buckets {}..{} are not of an exchange of {}", task.bucket_begin,
                               task.bucket_end, buckets),
                   false);
  }
  // memory_per_task: three quarters for the join (sorter and one key's
  // right rows), a quarter for a partitioned writer.
  const std::string spill_dir = task.temp_path + ".spill";
  BucketJoiner joiner(*layout, spec.memory_per_task_bytes / 4 * 3, spill_dir);
  auto writer = PartWriter::open(task.temp_path, spec, after.value()->output_columns(),
                                 after.value()->output_types(), spec.memory_per_task_bytes / 4);
  if (!writer.is_ok()) return failure(writer.status().message(), true);

  const size_t key_count = layout->left_keys.size();
  const uint32_t first_right = task.map_output_count - task.map_tasks_right;
  OutputBatch rows;
  uint64_t bytes_read = 0;
  for (uint32_t map_task = 0; map_task < task.map_output_count; ++map_task) {
    if (control.abort.load(std::memory_order_relaxed)) return failure("aborted", true);
    const JoinSide side = map_task >= first_right ? JoinSide::kRight : JoinSide::kLeft;
    const size_t side_columns =
        side == JoinSide::kLeft ? layout->left_column_count : layout->right_column_count;
    MapOutputRead read;
    read.buckets = buckets;
    read.expected_columns = key_count + side_columns;
    read.max_record_bytes = limits::kRecordBytesMax;
    auto stopped = read_map_output_buckets(
        task, map_task, read,
        [&](const RecordBatch& batch, const std::string& path) -> std::optional<TaskOutcome> {
          rows.clear();
          rows.column_count = side_columns;
          for (size_t row = 0; row < batch.row_count; ++row) {
            Status decoded = decode_join_exchange_row(batch, row, key_count, rows);
            if (!decoded.is_ok()) {
              return map_output_lost(map_task, fmt::format("{}: {}", path, decoded.message()));
            }
          }
          Status added = joiner.add(side, rows);
          if (!added.is_ok()) return failure(added.message(), true);  // spilling: the disk
          return std::nullopt;
        },
        bytes_read, control);
    if (stopped) return *stopped;
  }

  const bool steps_after = !after_spec.steps.empty();
  AfterJoin after_join(*after.value(), *writer.value());
  uint64_t joined_rows = 0;
  Status joined = joiner.finish([&](const OutputBatch& joined_batch) -> Status {
    if (control.abort.load(std::memory_order_relaxed)) return internal_error("aborted");
    joined_rows += joined_batch.row_count;
    return steps_after ? after_join.run(joined_batch) : writer.value()->write(joined_batch);
  });
  if (!joined.is_ok()) return failure(joined.message(), joined.code() != StatusCode::kDataError);
  TaskOutcome outcome;
  auto written = writer.value()->finish(outcome);
  if (!written.is_ok()) {
    return failure(written.status().message(), written.status().code() != StatusCode::kDataError);
  }
  std::error_code ignored;
  std::filesystem::remove_all(spill_dir, ignored);

  // Its rows in are the joined rows (what the steps after the join get),
  // so that in = out + filtered, as the coordinator checks.
  outcome.ok = true;
  outcome.stats.rows_in = joined_rows;
  outcome.stats.rows_out = written.value();
  outcome.stats.rows_filtered = joined_rows - written.value();
  outcome.stats.bytes_read = bytes_read;
  return outcome;
}

}  // namespace sluice
