// sluice describe PATH: the columns of a CSV input and the types sampled
// from it (common/job/infer_types.h), with the YAML that pins them.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "common/job/infer_types.h"
#include "tools/cli/commands.h"
#include "tools/cli/report.h"

namespace sluice {

int describe_command(const DescribeFlags& flags) {
  JobSpec spec;
  spec.input.paths = {flags.path};
  spec.input.format = InputFormat::kCsv;
  spec.input.header = !flags.no_header;
  spec.input.header_given = flags.no_header;
  spec.input.delimiter = flags.delimiter;
  spec.input.delimiter_given = flags.delimiter_given;
  spec.input.null_values = flags.null_values;
  spec.input.max_record_size_bytes = 16ull << 20;
  const std::string base_dir = std::filesystem::current_path().string();
  auto dialect = sniff_input_dialect(spec, base_dir);
  if (!dialect.is_ok()) {
    report_error("describe: " + dialect.status().message());
    return kExitUsage;
  }
  spec.input.header = dialect->header;
  spec.input.delimiter = dialect->delimiter;
  spec.input.quote = dialect->quote;
  auto types = infer_csv_types(spec, base_dir);
  if (!types.is_ok()) {
    report_error("describe: " + types.status().message());
    return kExitUsage;
  }
  size_t name_width = 6;
  for (const InferredColumn& column : types->columns) {
    name_width = std::max(name_width, column.name.size());
  }
  fmt::print("{}: {} rows sampled; delimiter {}, quote {}, {}\n\n", types->path,
             types->rows_sampled,
             dialect->delimiter == '\t' ? "TAB" : std::string(1, dialect->delimiter),
             std::string(1, dialect->quote), dialect->header ? "a header row" : "no header row");
  size_t type_width = 9;
  const auto type_text = [](const InferredColumn& column) {
    return column.format.empty() ? column.type : column.type + " " + column.format;
  };
  for (const InferredColumn& column : types->columns) {
    type_width = std::max(type_width, type_text(column).size());
  }
  fmt::print("{:<{}}  {:<{}}  {:>8}  {}\n", "column", name_width, "type", type_width, "values",
             "example");
  for (const InferredColumn& column : types->columns) {
    std::string example = column.example.substr(0, 40);
    fmt::print("{:<{}}  {:<{}}  {:>8}  {}\n", column.name, name_width, type_text(column),
               type_width, column.values, example);
  }
  fmt::print(
      "\n# To pin these types in a job file (or let it infer them at submission\n"
      "# with input.infer_types: true):\n{}",
      inferred_types_yaml(dialect.value(), types.value()));
  return kExitOk;
}

}  // namespace sluice
