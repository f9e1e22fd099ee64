#include "common/exchange/join_plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace sluice {

std::optional<size_t> join_step_index(const JobSpec& spec) {
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    if (spec.steps[i].kind == StepKind::kJoin) return i;
  }
  return std::nullopt;
}

const JoinSpec* join_of(const JobSpec& spec) {
  const std::optional<size_t> index = join_step_index(spec);
  return index ? spec.steps[*index].join.get() : nullptr;
}

JobSpec join_left_spec(const JobSpec& spec) {
  JobSpec left = spec;
  left.steps.resize(join_step_index(spec).value_or(spec.steps.size()));
  return left;
}

JobSpec join_right_spec(const JobSpec& spec) {
  JobSpec right = spec;
  const JoinSpec* join = join_of(spec);
  right.steps.clear();
  if (join == nullptr) return right;
  right.input = join->input;
  right.schema = join->schema;
  return right;
}

JobSpec join_after_spec(const JobSpec& spec) {
  JobSpec after = spec;
  const std::optional<size_t> index = join_step_index(spec);
  after.steps.clear();
  if (index)
    after.steps.assign(spec.steps.begin() + static_cast<ptrdiff_t>(*index) + 1, spec.steps.end());
  after.schema.reset();
  // The joined rows reach these steps as text, NULL as an empty field.
  after.input.null_values = {""};
  return after;
}

std::optional<std::string> join_not_broadcastable(const JobSpec& spec) {
  const JoinSpec* join = join_of(spec);
  if (join == nullptr) return "no join";
  if (join->broadcast_max_bytes == 0) return "broadcast_max: 0";
  // lookup is a left join on one column that never multiplies rows.
  if (join->how != JoinHow::kLeft) return "only a left join can be a lookup";
  if (join->left_keys.size() != 1) return "a lookup has one key column";
  const InputSpec& input = join->input;
  // lookup reads one plain CSV file with a header, values as they are.
  if (input.paths.size() != 1 || input.format != InputFormat::kCsv || !input.header ||
      input.delimiter != ',' || input.quote != '"' || !input.null_values.empty() ||
      join->schema.has_value()) {
    return "a lookup reads one CSV file with a header, ',' and '\"', no null_values or schema";
  }
  for (const JoinColumn& column : join->columns) {
    if (column.name != column.right) return "a lookup keeps the table's column names";
  }
  return std::nullopt;
}

JobSpec join_as_lookup(const JobSpec& spec, const std::vector<std::string>& right_columns) {
  JobSpec lookup_spec = spec;
  const std::optional<size_t> index = join_step_index(spec);
  if (!index) return lookup_spec;
  const JoinSpec& join = *spec.steps[*index].join;
  StepSpec& step = lookup_spec.steps[*index];
  step.kind = StepKind::kLookup;
  step.lookup.path = join.input.paths.front();
  step.lookup.left = join.left_keys.front();
  step.lookup.right = join.right_keys.front();
  step.lookup.first_duplicate_wins = false;
  step.lookup.columns.clear();
  if (join.columns_given) {
    for (const JoinColumn& column : join.columns) step.lookup.columns.push_back(column.right);
  } else {
    for (const std::string& name : right_columns) {
      if (name != join.right_keys.front()) step.lookup.columns.push_back(name);
    }
  }
  step.join.reset();
  return lookup_spec;
}

bool join_keeps_unmatched_left(JoinHow how) {
  return how == JoinHow::kLeft || how == JoinHow::kFull || how == JoinHow::kAnti;
}

bool join_keeps_unmatched_right(JoinHow how) {
  return how == JoinHow::kRight || how == JoinHow::kFull;
}

Result<JoinLayout> plan_join_layout(const JobSpec& spec,
                                    const std::vector<std::string>& left_columns,
                                    const std::vector<std::string>& right_columns) {
  const std::optional<size_t> index = join_step_index(spec);
  if (!index) return invalid_argument(spec.source_file + ": the job has no join step");
  const StepSpec& step = spec.steps[*index];
  const JoinSpec& join = *step.join;
  const std::string where = step.where.to_string();
  auto position = [](const std::vector<std::string>& names,
                     const std::string& name) -> std::optional<size_t> {
    auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) return std::nullopt;
    return static_cast<size_t>(found - names.begin());
  };
  JoinLayout layout;
  layout.how = join.how;
  layout.left_column_count = left_columns.size();
  layout.right_column_count = right_columns.size();
  for (size_t k = 0; k < join.left_keys.size(); ++k) {
    const std::optional<size_t> left = position(left_columns, join.left_keys[k]);
    if (!left) {
      return invalid_argument(
          fmt::format("{}: on: '{}' is not a column of the rows at the join (they have {})", where,
                      join.left_keys[k], fmt::join(left_columns, ", ")));
    }
    const std::optional<size_t> right = position(right_columns, join.right_keys[k]);
    if (!right) {
      return invalid_argument(
          fmt::format("{}: on: '{}' is not a column of the join's input {} "
                      "(it has {})",
                      where, join.right_keys[k], fmt::join(join.input.paths, ", "),
                      fmt::join(right_columns, ", ")));
    }
    layout.left_keys.push_back(*left);
    layout.right_keys.push_back(*right);
  }
  layout.columns = left_columns;
  if (join.how == JoinHow::kSemi || join.how == JoinHow::kAnti) return layout;
  std::vector<JoinColumn> kept = join.columns;
  if (!join.columns_given) {
    for (size_t c = 0; c < right_columns.size(); ++c) {
      if (std::find(layout.right_keys.begin(), layout.right_keys.end(), c) !=
          layout.right_keys.end()) {
        continue;
      }
      kept.push_back(JoinColumn{right_columns[c], right_columns[c]});
    }
  }
  for (const JoinColumn& column : kept) {
    const std::optional<size_t> right = position(right_columns, column.right);
    if (!right) {
      return invalid_argument(fmt::format(
          "{}: columns: '{}' is not a column of the join's input {} (it has {})", where,
          column.right, fmt::join(join.input.paths, ", "), fmt::join(right_columns, ", ")));
    }
    if (position(layout.columns, column.name)) {
      return invalid_argument(fmt::format(
          "{}: the right column '{}' would be named '{}', which the rows already have; rename it "
          "(columns: {{new_name: {}}}) or keep other columns (columns: [...])",
          where, column.right, column.name, column.right));
    }
    layout.right_kept.push_back(*right);
    layout.columns.push_back(column.name);
  }
  return layout;
}

}  // namespace sluice
