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
  spec.input.delimiter = flags.delimiter;
  spec.input.null_values = flags.null_values;
  spec.input.max_record_size_bytes = 16ull << 20;
  auto types = infer_csv_types(spec, std::filesystem::current_path().string());
  if (!types.is_ok()) {
    report_error("describe: " + types.status().message());
    return kExitUsage;
  }
  size_t name_width = 6;
  for (const InferredColumn& column : types->columns) {
    name_width = std::max(name_width, column.name.size());
  }
  fmt::print("{}: {} rows sampled\n\n", types->path, types->rows_sampled);
  fmt::print("{:<{}}  {:<9}  {:>8}  {}\n", "column", name_width, "type", "values", "example");
  for (const InferredColumn& column : types->columns) {
    std::string example = column.example.substr(0, 40);
    fmt::print("{:<{}}  {:<9}  {:>8}  {}\n", column.name, name_width, column.type, column.values,
               example);
  }
  fmt::print(
      "\n# To pin these types in a job file (or let it infer them at submission\n"
      "# with input.infer_types: true):\n{}",
      inferred_types_yaml(types.value()));
  return kExitOk;
}

}  // namespace sluice
