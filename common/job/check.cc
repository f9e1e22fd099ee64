#include "common/job/check.h"

#include "common/csv/range_reader.h"
#include "common/io/byte_source.h"
#include "common/jsonl/range_reader.h"
#include "common/pipeline/pipeline.h"

namespace sluice {

Result<std::vector<std::string>> read_input_columns(const JobSpec& spec, const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source, open_input_source(path));
  if (spec.input.format == InputFormat::kJsonl) {
    return read_jsonl_columns(*source, spec.input.max_record_size_bytes);
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

Result<CheckedJob> check_job(const JobSpec& spec, const std::string& base_dir) {
  CheckedJob checked;
  auto inputs = resolve_inputs(spec.input.paths, base_dir);
  if (!inputs.is_ok()) {
    return invalid_argument(spec.source_file + ": input.path: " + inputs.status().message());
  }
  checked.inputs = std::move(inputs).value();
  auto columns = read_input_columns(spec, checked.inputs.front().path);
  if (!columns.is_ok()) {
    return invalid_argument(spec.source_file + ": input.path: cannot read the columns of " +
                            checked.inputs.front().path + ": " + columns.status().message());
  }
  checked.input_columns = std::move(columns).value();
  // Steps resolve their files (lookup tables, exec programs) against base_dir.
  JobSpec with_base = spec;
  if (with_base.base_dir.empty()) with_base.base_dir = base_dir;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> pipeline,
                          Pipeline::compile(with_base, checked.input_columns));
  checked.output_columns = pipeline->output_columns();
  checked.has_aggregate = pipeline->has_aggregate();
  return checked;
}

}  // namespace sluice
