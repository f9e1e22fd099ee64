#include "common/pipeline/merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "common/base/limits.h"
#include "common/csv/range_reader.h"
#include "common/io/byte_source.h"
#include "common/pipeline/pipeline.h"

namespace sluice {
namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "\"" : ", \"") + name + "\"";
  return out;
}

}  // namespace

Result<std::vector<std::string>> aggregate_output_columns(
    const JobSpec& spec, const std::vector<std::string>& input_columns) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> pipeline,
                          Pipeline::compile(spec, input_columns));
  return pipeline->output_columns();
}

Status merge_partials(const JobSpec& spec, const std::vector<std::string>& input_columns,
                      const std::vector<std::string>& partial_csv_paths,
                      const std::function<Status(const OutputBatch&)>& emit) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> pipeline,
                          Pipeline::compile(spec, input_columns));
  if (!pipeline->has_aggregate()) {
    return invalid_argument(
        fmt::format("{}: merge_partials: the job has no aggregate step", spec.source_file));
  }
  const AggregatePlan& plan = pipeline->aggregate_->plan;
  Aggregator table(plan);

  CsvDialect dialect;  // sluice's own writer: ',' '"', a header row
  dialect.header = true;
  const uint64_t max_record_bytes =
      partial_record_bytes_max(plan, spec.input.max_record_size_bytes);

  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  for (const std::string& path : partial_csv_paths) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> source, FileSource::open(path));
    if (source->size_bytes() == 0) continue;  // a partition with no rows may leave an empty file
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> header,
                            read_csv_header(*source, dialect, max_record_bytes));
    if (header != plan.partial_columns) {
      return data_error(
          fmt::format("{}: not a partial aggregate of this job: header {}, expected {}", path,
                      join_names(header), join_names(plan.partial_columns)));
    }
    CsvRangeOptions options;
    options.dialect = dialect;
    options.begin_offset = 0;
    options.end_offset = source->size_bytes();
    options.max_record_bytes = max_record_bytes;
    options.expected_columns = plan.partial_columns.size();
    // A partial is often a few KiB: buffers of its size, not of a 1 MiB
    // chunk (fresh pages for every partial were most of the merge's CPU).
    options.read_chunk_bytes = static_cast<size_t>(
        std::clamp<uint64_t>(source->size_bytes(), 4 << 10, limits::kReadChunkBytes));
    CsvRangeReader reader(*source, options);
    while (true) {
      rejects.clear();
      SLUICE_ASSIGN_OR_RETURN(bool more, reader.next(batch, rejects));
      if (!rejects.empty()) {
        return data_error(fmt::format("{}: record at byte offset {}: {}", path, rejects[0].offset,
                                      rejects[0].reason));
      }
      Status merged = table.merge_partial(batch);
      if (!merged.is_ok()) return data_error(fmt::format("{}: {}", path, merged.message()));
      if (!more) break;
    }
  }

  table.add_global_group_if_empty();  // SQL: SELECT count(*) over no rows is one row, 0
  std::vector<expr::Vector> columns;
  table.finalize(columns);
  return pipeline->final_->run_final(std::move(columns), table.group_count(), emit);
}

}  // namespace sluice
