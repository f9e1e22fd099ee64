#include "common/job/check.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>

#include "common/csv/range_reader.h"
#include "common/exchange/join_plan.h"
#include "common/io/byte_source.h"
#include "common/io/http_source.h"
#include "common/job/hive_partitions.h"
#include "common/jsonl/range_reader.h"
#include "common/parquet/file_reader.h"
#include "common/pipeline/pipeline.h"
#include "common/postgres/connection.h"
#include "common/s3/location.h"

namespace sluice {

Result<std::vector<std::string>> read_input_columns(const JobSpec& spec, const std::string& path) {
  if (spec.input.format == InputFormat::kPostgres)
    return postgres_columns(spec.input, spec.base_dir);
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source,
                          open_input_source(path, input_s3_options(spec.input, spec.base_dir)));
  if (spec.input.format == InputFormat::kJsonl) {
    return read_jsonl_columns(*source, spec.input.max_record_size_bytes);
  }
  if (spec.input.format == InputFormat::kParquet) {
    SLUICE_ASSIGN_OR_RETURN(parquet::FileInfo info, parquet::read_file_metadata(*source));
    std::vector<std::string> names;
    for (const parquet::ColumnInfo& column : info.columns) names.push_back(column.name);
    return names;
  }
  CsvDialect dialect;
  dialect.delimiter = spec.input.delimiter;
  dialect.quote = spec.input.quote;
  dialect.header = spec.input.header;
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> first,
                          read_csv_header(*source, dialect, spec.input.max_record_size_bytes));
  if (spec.input.header) return first;
  std::vector<std::string> names;
  for (size_t i = 0; i < first.size(); ++i) names.push_back("column" + std::to_string(i));
  return names;
}

Result<InputColumns> job_input_columns(const JobSpec& spec, const std::vector<InputFile>& inputs) {
  InputColumns columns;
  for (const InputFile& input : inputs) {
    if (spec.input.format == InputFormat::kPostgres) {
      SLUICE_ASSIGN_OR_RETURN(columns.names, read_input_columns(spec, input.path));
      return columns;
    }
    if (input.size_bytes == 0) continue;
    auto names = read_input_columns(spec, input.path);
    if (!names.is_ok()) {
      return Status(names.status().code(), input.path + ": " + names.status().message());
    }
    // Hive partition keys follow the file's columns (hive_partitions.h).
    columns.names = columns_with_hive_keys(names.value(), spec.input);
    return columns;
  }
  columns.names = columns_read_by_steps(spec);
  columns.header_known = false;
  return columns;
}

// input.incremental needs a set of files that grows: a directory or a glob.
// A single file or a URL has nothing to add (a file that changes is a new
// version, not a new file), so they are refused rather than half-supported.
Status check_incremental(const JobSpec& spec, const std::string& base_dir) {
  if (!spec.input.incremental) return Status::ok();
  const std::string where = spec.source_file + ": input.incremental: ";
  if (spec.output.mode != OutputMode::kError) {
    return invalid_argument(where + "a lineage appends to its own output already; output.mode " +
                            output_mode_name(spec.output.mode) + " does not apply");
  }
  if (spec.input.format != InputFormat::kCsv && spec.input.format != InputFormat::kJsonl) {
    return invalid_argument(where + "only for csv and jsonl files");
  }
  for (const std::string& pattern : spec.input.paths) {
    if (is_http_url(pattern) || is_s3_url(pattern)) {
      return invalid_argument(where + pattern + " is a URL; give a local directory or a glob");
    }
    const bool glob = pattern.find_first_of("*?[") != std::string::npos;
    std::error_code error;
    if (!glob && std::filesystem::is_regular_file(absolute_path(pattern, base_dir), error)) {
      return invalid_argument(where + pattern + " is a single file; give a directory or a glob");
    }
  }
  return Status::ok();
}

Result<CheckedJob> check_job(const JobSpec& spec, const std::string& base_dir) {
  SLUICE_RETURN_IF_ERROR(check_incremental(spec, base_dir));
  if (is_s3_url(spec.output.path)) {
    // Published exactly once by the coordinator (coordinator/s3_output.h),
    // which refuses what it cannot combine with an s3:// output yet.
    auto location = parse_s3_url(spec.output.path);
    if (!location.is_ok()) {
      return invalid_argument(spec.source_file + ": output.path: " + location.status().message());
    }
  }
  CheckedJob checked;
  // A postgres input is one query: its InputFile is filled when planned.
  auto inputs =
      spec.input.format == InputFormat::kPostgres
          ? Result<std::vector<InputFile>>(std::vector<InputFile>(1))
          : resolve_inputs(spec.input.paths, base_dir, input_s3_options(spec.input, base_dir));
  if (!inputs.is_ok()) {
    return invalid_argument(spec.source_file + ": input.path: " + inputs.status().message());
  }
  checked.inputs = std::move(inputs).value();
  // Steps resolve their files (lookup tables, exec programs) against base_dir.
  JobSpec with_base = spec;
  if (with_base.base_dir.empty()) with_base.base_dir = base_dir;
  auto columns = job_input_columns(with_base, checked.inputs);
  if (!columns.is_ok() && spec.input.format == InputFormat::kPostgres) {
    return invalid_argument(spec.source_file + ": " + columns.status().message());
  }
  if (!columns.is_ok()) {
    return invalid_argument(spec.source_file + ": input.path: cannot read the columns of " +
                            columns.status().message());
  }
  checked.input_columns = std::move(columns->names);
  checked.header_known = columns->header_known;
  if (join_step_index(spec)) {
    SLUICE_RETURN_IF_ERROR(check_join_job(with_base, base_dir, checked));
  } else {
    SLUICE_ASSIGN_OR_RETURN(
        std::unique_ptr<Pipeline> pipeline,
        Pipeline::compile(with_base, checked.input_columns, checked.header_known));
    checked.output_columns = pipeline->output_columns();
    // An aggregate or a global sort: the job's rows go through an exchange.
    checked.has_aggregate = pipeline->has_exchange();
  }
  for (const std::string& column : spec.output.partition_by) {
    if (std::find(checked.output_columns.begin(), checked.output_columns.end(), column) ==
        checked.output_columns.end()) {
      return invalid_argument(
          fmt::format("{}: output.partition_by: '{}' is not an output column (the columns are {})",
                      spec.source_file, column, fmt::join(checked.output_columns, ", ")));
    }
  }
  if (!spec.output.partition_by.empty() &&
      spec.output.partition_by.size() >= checked.output_columns.size()) {
    return invalid_argument(spec.source_file +
                            ": output.partition_by: every output column is a partition column; "
                            "the files would have no columns");
  }
  if (spec.input.incremental && !spec.output.partition_by.empty()) {
    return invalid_argument(spec.source_file +
                            ": input.incremental: not supported with output.partition_by");
  }
  if (spec.input.incremental && checked.has_aggregate) {
    // Each run would have to merge the partial states (or sorted rows) of
    // every earlier run.
    return invalid_argument(spec.source_file +
                            ": input.incremental: not supported with an aggregate, sort or "
                            "limit step");
  }
  return checked;
}

}  // namespace sluice
