// check_job for a job with a `join` step: both sides and the steps after it
// compile, and the combinations a join job does not support are refused at
// submission (docs/REFERENCE.md, "join").
#include <fmt/format.h>

#include <algorithm>

#include "common/exchange/join_plan.h"
#include "common/io/http_source.h"
#include "common/job/check.h"
#include "common/pipeline/pipeline.h"
#include "common/s3/location.h"

namespace sluice {
namespace {

Status refuse_unsupported(const JobSpec& spec) {
  size_t joins = 0;
  for (const StepSpec& step : spec.steps) {
    const std::string where = step.where.to_string();
    if (step.kind == StepKind::kJoin && ++joins > 1) {
      return invalid_argument(where +
                              ": one join per job (write the first join's output and "
                              "join it in a second job)");
    }
    if (step.kind == StepKind::kAggregate || step.kind == StepKind::kSort ||
        step.kind == StepKind::kLimit) {
      return invalid_argument(
          where +
          ": an aggregate, distinct, sort or limit cannot be in a job with a join yet (each is an "
          "exchange of its own); write the join's output and run this step in a second job");
    }
  }
  if (spec.input.incremental) {
    return invalid_argument(spec.source_file + ": input.incremental: not supported with a join");
  }
  return Status::ok();
}

// A join that may run as a lookup (docs/REFERENCE.md, "join"): what the
// spec says (join_not_broadcastable), then the file: one local plain file no
// larger than broadcast_max, with a right column to add.
bool may_broadcast(const JobSpec& spec, const JoinSpec& join, const CheckedJob& checked,
                   const JoinLayout& layout) {
  if (join_not_broadcastable(spec) || join.input.format != InputFormat::kCsv ||
      checked.right_inputs.size() != 1) {
    return false;
  }
  const InputFile& file = checked.right_inputs.front();
  return !is_http_url(file.path) && !is_s3_url(file.path) && !is_compressed_input(file.path) &&
         file.size_bytes > 0 && file.size_bytes <= join.broadcast_max_bytes &&
         !layout.right_kept.empty();
}

}  // namespace

Status check_join_job(const JobSpec& spec, const std::string& base_dir, CheckedJob& checked) {
  SLUICE_RETURN_IF_ERROR(refuse_unsupported(spec));
  const size_t step_index = *join_step_index(spec);
  const JoinSpec& join = *spec.steps[step_index].join;
  const std::string key = fmt::format("steps[{}].join", step_index);

  SLUICE_ASSIGN_OR_RETURN(
      std::unique_ptr<Pipeline> left,
      Pipeline::compile(join_left_spec(spec), checked.input_columns, checked.header_known));

  // A postgres query is one input whose InputFile is filled when planned
  // (plan_postgres_input), as the job's own.
  auto inputs =
      join.input.format == InputFormat::kPostgres
          ? Result<std::vector<InputFile>>(std::vector<InputFile>(1))
          : resolve_inputs(join.input.paths, base_dir, input_s3_options(join.input, base_dir));
  if (!inputs.is_ok()) {
    return invalid_argument(
        fmt::format("{}: {}.input.path: {}", spec.source_file, key, inputs.status().message()));
  }
  checked.right_inputs = std::move(inputs).value();
  const JobSpec right_spec = join_right_spec(spec);
  auto columns = job_input_columns(right_spec, checked.right_inputs);
  if (!columns.is_ok() && join.input.format == InputFormat::kPostgres) {
    return invalid_argument(
        fmt::format("{}: {}.input: {}", spec.source_file, key, columns.status().message()));
  }
  if (!columns.is_ok()) {
    return invalid_argument(fmt::format("{}: {}.input.path: cannot read the columns of {}",
                                        spec.source_file, key, columns.status().message()));
  }
  std::vector<std::string> right_input_columns = std::move(columns->names);
  if (!columns->header_known) {
    // Every right input is empty: its columns are what the join names.
    right_input_columns = join.right_keys;
    for (const JoinColumn& column : join.columns) {
      if (std::find(right_input_columns.begin(), right_input_columns.end(), column.right) ==
          right_input_columns.end()) {
        right_input_columns.push_back(column.right);
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> right,
                          Pipeline::compile(right_spec, right_input_columns));
  checked.right_columns = right->output_columns();

  SLUICE_ASSIGN_OR_RETURN(JoinLayout layout,
                          plan_join_layout(spec, left->output_columns(), checked.right_columns));
  if (may_broadcast(spec, join, checked, layout)) {
    // The lookup loads and checks the table now: a key twice or a
    // malformed row means the exchange after all.
    auto lookup = Pipeline::compile(join_as_lookup(spec, checked.right_columns),
                                    checked.input_columns, checked.header_known);
    if (lookup.is_ok()) {
      checked.output_columns = lookup.value()->output_columns();
      checked.has_aggregate = lookup.value()->has_exchange();
      checked.join_broadcast = true;
      return Status::ok();
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> after,
                          Pipeline::compile(join_after_spec(spec), layout.columns));
  checked.output_columns = after->output_columns();
  checked.has_aggregate = true;  // an exchange
  return Status::ok();
}

}  // namespace sluice
