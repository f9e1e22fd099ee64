#include "worker/task_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/base/batch.h"
#include "common/base/limits.h"
#include "common/exchange/exchange.h"
#include "common/exchange/join_plan.h"
#include "common/exchange/join_rows.h"
#include "common/exchange/map_output.h"
#include "common/exchange/sort_map_sink.h"
#include "common/io/row_writer.h"
#include "common/job/job_file.h"
#include "common/pipeline/pipeline.h"
#include "common/sources/record_source.h"
#include "common/spec/job_spec.h"
#include "worker/bucket_task.h"
#include "worker/compiled_jobs.h"
#include "worker/crash_trigger.h"
#include "worker/join_bucket_task.h"
#include "worker/part_writer.h"

namespace sluice {

TaskOutcome failure(std::string error, bool retryable) {
  TaskOutcome outcome;
  outcome.error = std::move(error);
  outcome.retryable = retryable;
  return outcome;
}

TaskOutcome map_output_lost(uint32_t map_task, std::string error) {
  TaskOutcome outcome = failure(std::move(error), true);
  outcome.map_output_lost = true;
  outcome.lost_map_task = map_task;
  return outcome;
}

namespace {

// Records the coordinator pinned as crashing workers leave the batch for the
// rejects, with the coordinator's reason; the pipeline never sees them.
void quarantine_skipped(const TaskSpec& task, RecordBatch& batch,
                        std::vector<RejectedRecord>& rejects) {
  size_t kept = 0;
  for (size_t row = 0; row < batch.row_count; ++row) {
    auto skip = std::find(task.skip_offsets.begin(), task.skip_offsets.end(), batch.offsets[row]);
    if (skip != task.skip_offsets.end()) {
      const size_t which = static_cast<size_t>(skip - task.skip_offsets.begin());
      RejectedRecord reject;
      reject.offset = batch.offsets[row];
      reject.reason = which < task.skip_reasons.size() ? task.skip_reasons[which]
                                                       : "worker crashed on this record";
      reject.raw = std::string(batch.raw[row].substr(0, limits::kRejectRawBytesMax));
      rejects.push_back(std::move(reject));
      continue;
    }
    if (kept != row) {
      std::copy_n(batch.fields.begin() + static_cast<ptrdiff_t>(row * batch.column_count),
                  batch.column_count,
                  batch.fields.begin() + static_cast<ptrdiff_t>(kept * batch.column_count));
      batch.offsets[kept] = batch.offsets[row];
      batch.raw[kept] = batch.raw[row];
    }
    ++kept;
  }
  batch.row_count = kept;
  batch.fields.resize(kept * batch.column_count);
  batch.offsets.resize(kept);
  batch.raw.resize(kept);
}

// Rows [begin, begin + count) of `batch` as a batch of their own (views).
void slice_batch(const RecordBatch& batch, size_t begin, size_t count, RecordBatch& slice) {
  slice.clear();
  slice.column_count = batch.column_count;
  slice.row_count = count;
  const auto first_field =
      batch.fields.begin() + static_cast<ptrdiff_t>(begin * batch.column_count);
  slice.fields.assign(first_field,
                      first_field + static_cast<ptrdiff_t>(count * batch.column_count));
  slice.offsets.assign(batch.offsets.begin() + static_cast<ptrdiff_t>(begin),
                       batch.offsets.begin() + static_cast<ptrdiff_t>(begin + count));
  slice.raw.assign(batch.raw.begin() + static_cast<ptrdiff_t>(begin),
                   batch.raw.begin() + static_cast<ptrdiff_t>(begin + count));
}

// Tells the coordinator (through the link) which records come next and waits
// for its ack, so that a crash while they are processed is attributed to
// them. Gives up waiting after a lease (the coordinator may be restarting).
void announce(TaskControl& control, uint64_t offset, size_t rows) {
  std::unique_lock lock(control.checkpoint_mutex);
  control.checkpoint.seq++;
  control.checkpoint.offset = offset;
  control.checkpoint.rows = static_cast<uint32_t>(rows);
  const uint64_t seq = control.checkpoint.seq;
  lock.unlock();
  if (control.wake_link) control.wake_link();
  lock.lock();
  control.checkpoint_acked.wait_for(lock, std::chrono::milliseconds(limits::kLeaseMs), [&] {
    return control.checkpoint_acked_seq >= seq || control.abort.load(std::memory_order_relaxed);
  });
}

// An isolating attempt's cut of a batch: kIsolateBatchRows records at a time,
// single records for kIsolateBatchRows records from isolate_from_offset.
size_t isolated_slice_rows(const TaskSpec& task, const RecordBatch& batch, size_t row,
                           size_t& singles_left) {
  if (singles_left == 0 && batch.offsets[row] == task.isolate_from_offset) {
    singles_left = limits::kIsolateBatchRows;
  }
  if (singles_left > 0) {
    singles_left--;
    return 1;
  }
  size_t rows = std::min(limits::kIsolateBatchRows, batch.row_count - row);
  // A coarse slice stops before the record where single records begin.
  for (size_t i = 1; i < rows; ++i) {
    if (batch.offsets[row + i] == task.isolate_from_offset) return i;
  }
  return rows;
}

// A RowWriter over a MapOutputWriter: rows go to their buckets.
class MapOutputRowWriter final : public RowWriter {
 public:
  explicit MapOutputRowWriter(std::unique_ptr<MapOutputWriter> writer)
      : writer_(std::move(writer)) {}
  Status write(const OutputBatch& batch) override { return writer_->write(batch); }
  Result<WriteStats> finish() override { return writer_->finish(); }

 private:
  std::unique_ptr<MapOutputWriter> writer_;
};

// A RowWriter of a join's map task: each row goes to its key's bucket as
// an exchange row (common/exchange/join_rows.h).
class JoinMapRowWriter final : public RowWriter {
 public:
  JoinMapRowWriter(std::unique_ptr<MapOutputWriter> writer, std::vector<size_t> keys,
                   bool keep_null_keys)
      : writer_(std::move(writer)), keys_(std::move(keys)), keep_null_keys_(keep_null_keys) {}
  Status write(const OutputBatch& batch) override {
    exchange_.clear();
    append_join_exchange_rows(batch, keys_, keep_null_keys_, exchange_);
    return writer_->write(exchange_);
  }
  Result<WriteStats> finish() override { return writer_->finish(); }

 private:
  std::unique_ptr<MapOutputWriter> writer_;
  std::vector<size_t> keys_;
  bool keep_null_keys_;
  OutputBatch exchange_;
};

// `columns`: the side's rows at the join (the left's after the steps before
// it, the right's after its schema gate).
Result<std::unique_ptr<RowWriter>> open_join_map_writer(const TaskSpec& task, const JobSpec& spec,
                                                        const JoinSpec& join,
                                                        const std::vector<std::string>& columns) {
  const std::vector<std::string>& names = task.join_right_side ? join.right_keys : join.left_keys;
  std::vector<size_t> keys;
  for (const std::string& name : names) {
    auto found = std::find(columns.begin(), columns.end(), name);
    if (found == columns.end()) {
      return invalid_argument(fmt::format("{}: the join key '{}' is not one of its columns",
                                          input_name(task.input), name));
    }
    keys.push_back(static_cast<size_t>(found - columns.begin()));
  }
  const bool keep_null_keys = task.join_right_side ? join_keeps_unmatched_right(join.how)
                                                   : join_keeps_unmatched_left(join.how);
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<MapOutputWriter> writer,
                          MapOutputWriter::open(task.temp_path, exchange_buckets(spec), keys.size(),
                                                spec.memory_per_task_bytes / 4));
  return std::unique_ptr<RowWriter>(
      new JoinMapRowWriter(std::move(writer), std::move(keys), keep_null_keys));
}

Result<std::unique_ptr<RowWriter>> open_map_output_writer(const std::string& path,
                                                          const JobSpec& spec, size_t key_count) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<MapOutputWriter> writer,
                          MapOutputWriter::open(path, exchange_buckets(spec), key_count,
                                                spec.memory_per_task_bytes / 4));
  return std::unique_ptr<RowWriter>(new MapOutputRowWriter(std::move(writer)));
}

// A RowWriter over a global sort's map side: each row goes to the sink with
// the sort key the pipeline computed for it in the same process() call.
class SortMapRowWriter final : public RowWriter {
 public:
  SortMapRowWriter(const Pipeline& pipeline, std::unique_ptr<SortMapSink> sink)
      : pipeline_(pipeline), sink_(std::move(sink)) {}
  Status write(const OutputBatch& batch) override {
    for (size_t row = 0; row < batch.row_count; ++row) {
      SLUICE_RETURN_IF_ERROR(sink_->add(pipeline_.sort_key(row), batch, row));
    }
    return Status::ok();
  }
  Result<WriteStats> finish() override { return sink_->finish(); }

 private:
  const Pipeline& pipeline_;
  std::unique_ptr<SortMapSink> sink_;
};

Result<std::unique_ptr<RowWriter>> open_sort_map_writer(const TaskSpec& task, const JobSpec& spec,
                                                        const Pipeline& pipeline) {
  auto sink = std::make_unique<SortMapSink>(task.temp_path, pipeline.output_columns().size(),
                                            task.partition, spec.memory_per_task_bytes,
                                            pipeline.sort_limit());
  return std::unique_ptr<RowWriter>(new SortMapRowWriter(pipeline, std::move(sink)));
}

}  // namespace

TaskOutcome run_task(const TaskSpec& task, const JobFile& job, TaskControl& control) {
  auto compiled = job.compiled();
  if (!compiled.is_ok()) return failure(compiled.status().message(), false);
  JobSpec spec = *compiled.value();  // this task's copy: it may take one side of a join
  if (task.is_bucket_task && join_step_index(spec))
    return run_join_bucket_task(task, spec, control);
  if (task.is_bucket_task) return run_bucket_task(task, spec, control);
  if (task.is_final_merge) return run_merge_task(task, spec, control);
  spec.base_dir = task.base_dir;  // lookup files and exec programs resolve against it
  // A join's map task runs one side of it (common/exchange/join_plan.h): the
  // steps before the join over the job's input, or the join input's gate;
  // a broadcast join is a lookup step, and the task a plain one.
  std::shared_ptr<const JoinSpec> join;
  if (task.join_broadcast) {
    spec = join_as_lookup(spec, task.join_right_columns);
  } else if (const std::optional<size_t> index = join_step_index(spec)) {
    join = spec.steps[*index].join;
    spec = task.join_right_side ? join_right_spec(spec) : join_left_spec(spec);
  }
  // The task's range of the input (a file's bytes, a postgres query's keys),
  // checked against the input as planned.
  bool retryable = true;
  auto opened_source = open_record_source(spec, task.input, retryable);
  if (!opened_source.is_ok()) return failure(opened_source.status().message(), retryable);
  RecordSource& reader = *opened_source.value();
  const std::vector<std::string>& columns = reader.columns();
  auto pipeline = Pipeline::compile(spec, columns);
  if (!pipeline.is_ok()) return failure(pipeline.status().message(), false);
  pipeline.value()->set_abort(&control.abort);

  // An aggregate's map task writes its partial states into the exchange's
  // buckets (common/exchange/map_output.h), flushing its table whenever it
  // holds more than half of memory_per_task; the row buffers take a quarter.
  // A global sort's map task writes its rows sorted, in memory_per_task
  // (common/exchange/sort_map_sink.h). Other tasks write their part
  // (partitioned files: in half of it).
  const bool partial = pipeline.value()->has_aggregate();
  const bool sorting = pipeline.value()->has_global_sort();
  const uint64_t table_bytes_max = spec.memory_per_task_bytes / 2;
  std::unique_ptr<RowWriter> map_writer;
  std::unique_ptr<PartWriter> part_writer;
  if (partial || sorting || join) {
    auto opened = join ? open_join_map_writer(task, spec, *join, pipeline.value()->output_columns())
                  : partial
                      ? open_map_output_writer(task.temp_path, spec,
                                               pipeline.value()->aggregate_plan().key_names.size())
                      : open_sort_map_writer(task, spec, *pipeline.value());
    if (!opened.is_ok()) {
      return failure(opened.status().message(),
                     opened.status().code() != StatusCode::kInvalidArgument);
    }
    map_writer = std::move(opened).value();
  } else {
    auto opened =
        PartWriter::open(task.temp_path, spec, pipeline.value()->output_columns(),
                         pipeline.value()->output_types(), spec.memory_per_task_bytes / 2);
    if (!opened.is_ok())
      return failure(opened.status().message(),
                     opened.status().code() != StatusCode::kInvalidArgument);
    part_writer = std::move(opened).value();
  }
  auto write_output = [&](const OutputBatch& rows) {
    return map_writer ? map_writer->write(rows) : part_writer->write(rows);
  };
  auto reject_writer =
      open_reject_writer(task.rejects_temp_path, input_name(task.input), reader.offsets());
  if (!reject_writer.is_ok()) return failure(reject_writer.status().message(), true);

  // Projection pushdown: the reader materializes only the columns the
  // pipeline reads.
  if (reader.projects_columns()) {
    std::vector<size_t> read = pipeline.value()->input_columns_read();
    if (read.size() < columns.size()) {
      pipeline.value()->read_projected(read);
      reader.project(std::move(read));
    }
  }

  RecordBatch batch;
  RecordBatch slice;
  OutputBatch output;
  std::vector<RejectedRecord> rejects;
  PipelineCounters counters;
  uint64_t reader_rejects = 0;
  size_t singles_left = 0;  // isolating: single records still to come
  const CrashTrigger& crash_trigger = CrashTrigger::from_environment();
  // The pipeline and the writer over `part` (a batch or a slice of one).
  auto process = [&](const RecordBatch& part) -> std::optional<TaskOutcome> {
    crash_trigger.crash_if_marked(part);
    output.clear();
    Status processed = pipeline.value()->process(part, output, rejects, counters);
    if (!processed.is_ok()) {
      // on_error: fail — the data is bad, retrying cannot help.
      return failure(processed.message(), processed.code() != StatusCode::kDataError);
    }
    Status written = write_output(output);
    if (!written.is_ok())
      return failure(written.message(), written.code() != StatusCode::kDataError);
    if (partial && pipeline.value()->aggregate_memory_bytes() > table_bytes_max) {
      output.clear();
      Status flushed = pipeline.value()->flush_partial(output);
      if (!flushed.is_ok()) return failure(flushed.message(), false);
      written = map_writer->write(output);
      if (!written.is_ok()) return failure(written.message(), true);
    }
    return std::nullopt;
  };
  while (true) {
    if (control.abort.load(std::memory_order_relaxed)) return failure("aborted", true);
    rejects.clear();
    auto more = reader.next(batch, rejects);
    if (!more.is_ok()) return failure(more.status().message(), true);
    if (!task.skip_offsets.empty()) quarantine_skipped(task, batch, rejects);
    reader_rejects += rejects.size();
    if (batch.row_count > 0 && !task.isolating) {
      if (auto failed = process(batch)) return *failed;
    }
    for (size_t row = 0; task.isolating && row < batch.row_count;) {
      const size_t rows = isolated_slice_rows(task, batch, row, singles_left);
      slice_batch(batch, row, rows, slice);
      announce(control, slice.offsets[0], rows);
      if (auto failed = process(slice)) return *failed;
      row += rows;
    }
    if (!rejects.empty()) {
      Status written = reject_writer.value()->write(rejects);
      if (!written.is_ok()) return failure(written.message(), true);
    }
    control.bytes_read.store(reader.bytes_read(), std::memory_order_relaxed);
    control.rows_read.store(reader.records_read(), std::memory_order_relaxed);
    if (!more.value()) break;
  }
  // Past the last record: a crash from here on is no record's.
  if (task.isolating) announce(control, reader.end_offset(), 0);
  if (auto changed = reader.input_changed()) return failure(*changed, false);
  if (partial) {
    output.clear();
    Status finished = pipeline.value()->finish_partial(output);
    if (!finished.is_ok()) return failure(finished.message(), false);
    Status written = map_writer->write(output);
    if (!written.is_ok()) return failure(written.message(), true);
  }

  TaskOutcome outcome;
  if (map_writer) {
    auto stats = map_writer->finish();
    if (!stats.is_ok()) return failure(stats.status().message(), true);
    outcome.stats.bytes_written = stats->bytes;
    outcome.stats.checksum = stats->checksum;
  } else {
    auto rows = part_writer->finish(outcome);
    if (!rows.is_ok()) {
      return failure(rows.status().message(), rows.status().code() != StatusCode::kDataError);
    }
  }
  auto reject_stats = reject_writer.value()->finish();
  if (!reject_stats.is_ok()) return failure(reject_stats.status().message(), true);

  outcome.ok = true;
  outcome.stats.rows_in = counters.rows_in + reader_rejects + reader.rows_skipped();
  outcome.stats.rows_out = counters.rows_out;
  outcome.stats.rows_filtered = counters.rows_filtered + reader.rows_skipped();
  outcome.stats.row_groups_skipped = reader.row_groups_skipped();
  outcome.stats.rows_rejected = counters.rows_rejected + reader_rejects;
  outcome.stats.bytes_read = reader.bytes_read();
  outcome.stats.rejects_bytes = reject_stats->bytes;
  outcome.stats.rejects_checksum = reject_stats->checksum;
  outcome.stats.start_offset = reader.start_offset();
  outcome.stats.end_offset = reader.end_offset();
  return outcome;
}

}  // namespace sluice
