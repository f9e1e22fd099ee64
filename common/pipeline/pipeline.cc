#include "common/pipeline/pipeline.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "common/base/assert.h"
#include "common/base/limits.h"
#include "common/expr/parser.h"
#include "common/job/inputs.h"

namespace sluice {
namespace {

std::string context_of(const JobSpec& spec, const SpecLocation& where) {
  std::string out = spec.source_file;
  if (where.line > 0) out += fmt::format(":{}", where.line);
  if (!where.key.empty()) out += (out.empty() ? "" : ": ") + where.key;
  return out;
}

// A NamedExpr's location, or its step's with the name appended.
SpecLocation where_of(const StepSpec& step, const NamedExpr& named) {
  if (named.where.line > 0 || !named.where.key.empty()) return named.where;
  SpecLocation where = step.where;
  where.key += "." + named.name;
  return where;
}

const char* step_name(StepKind kind) {
  switch (kind) {
    case StepKind::kFilter:
      return "filter";
    case StepKind::kDerive:
      return "derive";
    case StepKind::kSelect:
      return "select";
    case StepKind::kDrop:
      return "drop";
    case StepKind::kAggregate:
      return "aggregate";
    case StepKind::kSort:
      return "sort";
    case StepKind::kLookup:
      return "lookup";
    case StepKind::kExec:
      return "exec";
  }
  return "unknown";
}

}  // namespace

Result<std::unique_ptr<Pipeline>> Pipeline::compile(const JobSpec& spec,
                                                    const std::vector<std::string>& input_columns) {
  std::unique_ptr<Pipeline> pipeline(new Pipeline());
  SLUICE_ASSIGN_OR_RETURN(pipeline->gate_, SchemaGate::compile(spec, input_columns));
  pipeline->input_columns_ = input_columns;
  pipeline->null_values_ = spec.input.null_values;
  // Every input column is visible; the gate's columns read its typed vectors.
  for (size_t i = 0; i < input_columns.size(); ++i) {
    Slot slot;
    slot.source = SlotSource::kInput;
    slot.index = i;
    const auto& gate_columns = pipeline->gate_.columns();
    for (size_t g = 0; g < gate_columns.size(); ++g) {
      if (gate_columns[g].input_column == i) {
        slot.source = SlotSource::kGate;
        slot.index = g;
        slot.type = gate_columns[g].type.type;
      }
    }
    pipeline->visible_.push_back({input_columns[i], pipeline->slots_.size()});
    pipeline->slots_.push_back(slot);
  }
  SLUICE_RETURN_IF_ERROR(pipeline->compile_steps(spec, 0));
  if (pipeline->final_ != nullptr) {
    pipeline->output_columns_ = pipeline->final_->output_columns_;
  } else {
    for (const VisibleColumn& column : pipeline->visible_)
      pipeline->output_columns_.push_back(column.name);
  }
  pipeline->input_vectors_.resize(pipeline->slots_.size());
  pipeline->eval_.columns.assign(pipeline->slots_.size(), nullptr);
  return pipeline;
}

Result<std::unique_ptr<Pipeline>> Pipeline::compile_final(
    const JobSpec& spec, size_t first_step, const std::vector<expr::ColumnInfo>& columns) {
  std::unique_ptr<Pipeline> pipeline(new Pipeline());
  pipeline->is_final_stage_ = true;
  for (size_t i = 0; i < columns.size(); ++i) {
    Slot slot;
    slot.source = SlotSource::kGate;  // a typed vector handed over by run_final
    slot.type = columns[i].type;
    slot.index = i;
    pipeline->visible_.push_back({columns[i].name, pipeline->slots_.size()});
    pipeline->slots_.push_back(slot);
  }
  SLUICE_RETURN_IF_ERROR(pipeline->compile_steps(spec, first_step));
  for (const VisibleColumn& column : pipeline->visible_)
    pipeline->output_columns_.push_back(column.name);
  pipeline->input_vectors_.resize(pipeline->slots_.size());
  pipeline->eval_.columns.assign(pipeline->slots_.size(), nullptr);
  return pipeline;
}

std::vector<expr::Type> Pipeline::output_types() const {
  if (final_ != nullptr) return final_->output_types();
  std::vector<expr::Type> types;
  for (const VisibleColumn& column : visible_) types.push_back(slots_[column.slot].type);
  return types;
}

const std::vector<std::string>& Pipeline::partial_columns() const {
  static const std::vector<std::string> kNone;
  return aggregate_ != nullptr ? aggregate_->plan.partial_columns : kNone;
}

Status Pipeline::compile_aggregate(const JobSpec& spec, size_t step_index) {
  const StepSpec& step = spec.steps[step_index];
  auto stage = std::make_unique<AggregateStage>();
  AggregatePlan& plan = stage->plan;
  std::vector<expr::ColumnInfo> result_columns;
  auto add_result_column = [&](const std::string& name, expr::Type type,
                               const SpecLocation& where) -> Status {
    for (const expr::ColumnInfo& column : result_columns) {
      if (column.name == name) {
        return invalid_argument(
            fmt::format("{}: column \"{}\" appears twice in the aggregate's output",
                        context_of(spec, where), name));
      }
    }
    result_columns.push_back({name, type, result_columns.size()});
    return Status::ok();
  };
  SpecLocation by_where = step.where;
  by_where.key += ".by";
  for (const std::string& name : step.aggregate.by) {
    auto existing = std::find_if(visible_.begin(), visible_.end(),
                                 [&](const VisibleColumn& column) { return column.name == name; });
    if (existing == visible_.end()) {
      return invalid_argument(
          fmt::format("{}: unknown column \"{}\"", context_of(spec, by_where), name));
    }
    Slot& slot = slots_[existing->slot];
    if (slot.source == SlotSource::kInput) slot.materialize = true;
    stage->key_slots.push_back(existing->slot);
    plan.key_names.push_back(name);
    plan.key_types.push_back(slot.type);
    SLUICE_RETURN_IF_ERROR(add_result_column(name, slot.type, by_where));
  }
  if (step.aggregate.aggs.empty() && step.aggregate.by.empty()) {
    return invalid_argument(
        fmt::format("{}: an aggregate needs `by` columns or `aggs`", context_of(spec, step.where)));
  }
  for (const NamedExpr& named : step.aggregate.aggs) {
    const SpecLocation where = where_of(step, named);
    const std::string context = context_of(spec, where);
    AggregateCall call;
    std::string message;
    size_t position = 0;
    if (!parse_aggregate_call(named.expr, call, message, position)) {
      return invalid_argument(format_expr_error(context, named.expr, position, message));
    }
    AggregateColumn column;
    column.name = named.name;
    column.kind = call.kind;
    std::unique_ptr<expr::Expression> argument;
    if (call.kind != AggregateKind::kCountStar) {
      // Bind once by hand for carets under the whole AGG text, then compile.
      expr::ExprError error;
      expr::NodePtr root = expr::parse_expression(call.argument, error);
      if (root == nullptr || !expr::bind_expression(root, scope(), error)) {
        return invalid_argument(format_expr_error(
            context, named.expr, call.argument_offset + error.position, error.message));
      }
      SLUICE_ASSIGN_OR_RETURN(argument, compile_expression(spec, call.argument, where));
      column.argument_type = argument->type();
    }
    if (!aggregate_result_type(call.kind, column.argument_type, column.result_type, message)) {
      return invalid_argument(
          format_expr_error(context, named.expr, call.argument_offset, message));
    }
    SLUICE_RETURN_IF_ERROR(add_result_column(named.name, column.result_type, where));
    plan.aggregates.push_back(std::move(column));
    stage->arguments.push_back(std::move(argument));
  }
  plan.build_partial_columns();
  for (size_t i = 0; i < plan.partial_columns.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (plan.partial_columns[i] == plan.partial_columns[j]) {
        return invalid_argument(
            fmt::format("{}: the aggregate's state column \"{}\" clashes with another column",
                        context_of(spec, step.where), plan.partial_columns[i]));
      }
    }
  }
  stage->table = std::make_unique<Aggregator>(stage->plan);
  SLUICE_ASSIGN_OR_RETURN(final_, compile_final(spec, step_index + 1, result_columns));
  aggregate_ = std::move(stage);
  return Status::ok();
}

Status Pipeline::compile_sort(const JobSpec& spec, const StepSpec& step) {
  if (step.sort.empty())
    return invalid_argument(
        fmt::format("{}: sort needs at least one key", context_of(spec, step.where)));
  std::vector<SortSlot> keys;
  for (const SortKey& key : step.sort) {
    auto existing =
        std::find_if(visible_.begin(), visible_.end(),
                     [&](const VisibleColumn& column) { return column.name == key.column; });
    if (existing == visible_.end()) {
      return invalid_argument(
          fmt::format("{}: sort: unknown column \"{}\"", context_of(spec, step.where), key.column));
    }
    keys.push_back({existing->slot, key.descending});
  }
  sort_ = std::move(keys);  // a later sort replaces an earlier one
  return Status::ok();
}

Status Pipeline::compile_lookup(const JobSpec& spec, const StepSpec& step) {
  const LookupSpec& lookup = step.lookup;
  const std::string context = context_of(spec, step.where);
  auto find_visible = [&](const std::string& name) {
    return std::find_if(visible_.begin(), visible_.end(),
                        [&](const VisibleColumn& column) { return column.name == name; });
  };
  auto key = find_visible(lookup.left);
  if (key == visible_.end()) {
    return invalid_argument(fmt::format(
        "{}.on: unknown column \"{}\" (the rows have no such column)", context, lookup.left));
  }
  for (size_t i = 0; i < lookup.columns.size(); ++i) {
    const std::string& name = lookup.columns[i];
    if (find_visible(name) != visible_.end()) {
      return invalid_argument(fmt::format(
          "{}.columns: column \"{}\" already exists; rename or drop it before the lookup", context,
          name));
    }
    for (size_t j = 0; j < i; ++j) {
      if (lookup.columns[j] == name) {
        return invalid_argument(
            fmt::format("{}.columns: column \"{}\" is listed twice", context, name));
      }
    }
  }
  auto stage = std::make_unique<LookupStage>();
  stage->key_slot = key->slot;
  if (slots_[key->slot].source == SlotSource::kInput) slots_[key->slot].materialize = true;
  const std::string path = absolute_path(lookup.path, spec.base_dir);
  auto table = LookupTable::load(path, lookup.right, lookup.columns, lookup.first_duplicate_wins);
  if (!table.is_ok()) {
    return invalid_argument(fmt::format("{}: {}", context, table.status().message()));
  }
  stage->table = std::move(table).value();
  stage->first_slot = slots_.size();
  stage->outputs.resize(lookup.columns.size());
  for (const std::string& name : lookup.columns) {
    Slot slot;
    slot.source = SlotSource::kComputed;
    slot.type = expr::Type::kString;
    slot.index = operations_.size();
    visible_.push_back({name, slots_.size()});
    slots_.push_back(slot);
  }
  Operation operation;
  operation.lookup = std::move(stage);
  operations_.push_back(std::move(operation));
  return Status::ok();
}

Status Pipeline::compile_exec(const JobSpec& spec, const StepSpec& step) {
  const ExecSpec& exec = step.exec;
  const std::string context = context_of(spec, step.where);
  std::vector<std::string> argv = exec.command;
  if (argv.empty()) return invalid_argument(fmt::format("{}.command: empty", context));
  if (argv[0].find('/') != std::string::npos) {
    argv[0] = absolute_path(argv[0], spec.base_dir);
    if (::access(argv[0].c_str(), X_OK) != 0) {
      return invalid_argument(
          fmt::format("{}.command: {} is not an executable file", context, argv[0]));
    }
  }
  auto stage = std::make_unique<ExecStage>();
  std::vector<std::string> input_names;
  for (const VisibleColumn& column : visible_) {
    input_names.push_back(column.name);
    stage->input_slots.push_back(column.slot);
    if (slots_[column.slot].source == SlotSource::kInput) slots_[column.slot].materialize = true;
  }
  std::vector<std::string> output_names = exec.columns.empty() ? input_names : exec.columns;
  for (size_t i = 0; i < output_names.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (output_names[i] == output_names[j]) {
        return invalid_argument(
            fmt::format("{}.columns: column \"{}\" is listed twice", context, output_names[i]));
      }
    }
  }
  stage->step = std::make_unique<ExecStep>(exec, std::move(argv), spec.base_dir, context,
                                           std::move(input_names), output_names);
  stage->first_slot = slots_.size();
  std::vector<VisibleColumn> produced;
  for (const std::string& name : output_names) {
    Slot slot;
    slot.source = SlotSource::kComputed;
    slot.type = expr::Type::kString;
    slot.index = operations_.size();
    produced.push_back({name, slots_.size()});
    slots_.push_back(slot);
  }
  visible_ = std::move(produced);
  Operation operation;
  operation.exec = std::move(stage);
  operations_.push_back(std::move(operation));
  return Status::ok();
}

std::vector<expr::ColumnInfo> Pipeline::scope() const {
  std::vector<expr::ColumnInfo> columns;
  columns.reserve(visible_.size());
  for (const VisibleColumn& column : visible_) {
    columns.push_back({column.name, slots_[column.slot].type, column.slot});
  }
  return columns;
}

void Pipeline::mark_materialized(const expr::Node& node) {
  if (node.kind == expr::NodeKind::kColumn) slots_[node.column].materialize = true;
  for (const expr::NodePtr& child : node.children) mark_materialized(*child);
}

Result<std::unique_ptr<expr::Expression>> Pipeline::compile_expression(const JobSpec& spec,
                                                                       const std::string& text,
                                                                       const SpecLocation& where) {
  SLUICE_ASSIGN_OR_RETURN(expr::Expression expression,
                          expr::Expression::compile(text, scope(), context_of(spec, where)));
  mark_materialized(expression.root());
  return std::make_unique<expr::Expression>(std::move(expression));
}

Status Pipeline::compile_steps(const JobSpec& spec, size_t first_step) {
  for (size_t step_index = first_step; step_index < spec.steps.size(); ++step_index) {
    const StepSpec& step = spec.steps[step_index];
    switch (step.kind) {
      case StepKind::kFilter: {
        SLUICE_ASSIGN_OR_RETURN(auto expression, compile_expression(spec, step.expr, step.where));
        if (expression->type() != expr::Type::kBool && expression->type() != expr::Type::kNull) {
          return invalid_argument(
              format_expr_error(context_of(spec, step.where), step.expr, 0,
                                fmt::format("a filter must be a condition (bool), not {}",
                                            expr::type_name(expression->type()))));
        }
        Operation operation;
        operation.is_filter = true;
        operation.expression = std::move(expression);
        operations_.push_back(std::move(operation));
        break;
      }
      case StepKind::kDerive:
      case StepKind::kSelect: {
        // A select sees the columns before it; a derive sees its earlier entries too.
        std::vector<VisibleColumn> selected;
        for (const NamedExpr& named : step.exprs) {
          SLUICE_ASSIGN_OR_RETURN(auto expression,
                                  compile_expression(spec, named.expr, where_of(step, named)));
          size_t slot_index;
          if (expression->root().kind == expr::NodeKind::kColumn) {
            slot_index = expression->root().column;  // a plain column: no copy
          } else {
            slot_index = slots_.size();
            Slot slot;
            slot.source = SlotSource::kComputed;
            slot.type = expression->type();
            slot.index = operations_.size();
            slots_.push_back(slot);
            Operation operation;
            operation.slot = slot_index;
            operation.expression = std::move(expression);
            operations_.push_back(std::move(operation));
          }
          std::vector<VisibleColumn>& target = step.kind == StepKind::kDerive ? visible_ : selected;
          auto existing =
              std::find_if(target.begin(), target.end(),
                           [&](const VisibleColumn& column) { return column.name == named.name; });
          if (existing != target.end()) {
            if (step.kind == StepKind::kSelect) {
              return invalid_argument(fmt::format("{}: column \"{}\" is selected twice",
                                                  context_of(spec, where_of(step, named)),
                                                  named.name));
            }
            existing->slot = slot_index;
          } else {
            target.push_back({named.name, slot_index});
          }
        }
        if (step.kind == StepKind::kSelect) visible_ = std::move(selected);
        break;
      }
      case StepKind::kDrop:
        for (const std::string& name : step.columns) {
          auto existing =
              std::find_if(visible_.begin(), visible_.end(),
                           [&](const VisibleColumn& column) { return column.name == name; });
          if (existing == visible_.end()) {
            return invalid_argument(
                fmt::format("{}: drop: unknown column \"{}\"", context_of(spec, step.where), name));
          }
          visible_.erase(existing);
        }
        break;
      case StepKind::kAggregate:
        if (is_final_stage_) {
          return invalid_argument(fmt::format("{}: only one aggregate step per job is supported",
                                              context_of(spec, step.where)));
        }
        // The steps after it are compiled over its output by compile_final.
        return compile_aggregate(spec, step_index);
      case StepKind::kSort:
        if (!is_final_stage_) {
          return invalid_argument(
              fmt::format("{}: sort is allowed only after an aggregate step (it sorts the merged, "
                          "small result)",
                          context_of(spec, step.where)));
        }
        SLUICE_RETURN_IF_ERROR(compile_sort(spec, step));
        break;
      case StepKind::kLookup:
        SLUICE_RETURN_IF_ERROR(compile_lookup(spec, step));
        break;
      case StepKind::kExec:
        if (is_final_stage_) {
          return invalid_argument(
              fmt::format("{}: the {} step is not supported after an aggregate (it would run in "
                          "the coordinator); put it before the aggregate",
                          context_of(spec, step.where), step_name(step.kind)));
        }
        SLUICE_RETURN_IF_ERROR(compile_exec(spec, step));
        break;
    }
  }
  if (visible_.empty())
    return invalid_argument(fmt::format("{}: the steps leave no columns", spec.source_file));
  if (visible_.size() > limits::kColumnsMax) {
    return invalid_argument(fmt::format("{}: the steps produce {} columns, more than the limit {}",
                                        spec.source_file, visible_.size(), limits::kColumnsMax));
  }
  return Status::ok();
}

bool Pipeline::is_null_text(std::string_view text) const {
  for (const std::string& value : null_values_) {
    if (text == value) return true;
  }
  return false;
}

// Raw input columns that expressions read become string vectors (views).
void Pipeline::gather_inputs(const RecordBatch& input) {
  for (size_t s = 0; s < slots_.size(); ++s) {
    const Slot& slot = slots_[s];
    if (slot.source == SlotSource::kGate) {
      eval_.columns[s] = &gate_vectors_[slot.index];
      continue;
    }
    if (slot.source != SlotSource::kInput || !slot.materialize) continue;
    expr::Vector& vector = input_vectors_[s];
    vector.reset(expr::Type::kString, input.row_count);
    for (uint32_t row : selection_) {
      const std::string_view text = input.field(row, slot.index);
      vector.strings[row] = text;
      vector.valid[row] = null_values_.empty() || !is_null_text(text);
    }
    eval_.columns[s] = &vector;
  }
}

Status Pipeline::process(const RecordBatch& input, OutputBatch& output,
                         std::vector<RejectedRecord>& rejects, PipelineCounters& counters) {
  if (input.column_count != input_columns_.size()) {
    return internal_error(fmt::format("pipeline: batch has {} columns, the job was compiled for {}",
                                      input.column_count, input_columns_.size()));
  }
  counters.rows_in += input.row_count;
  arena_.rebind(&output.owned);
  eval_.row_count = input.row_count;
  eval_.arena = &arena_;

  // 1. The schema gate.
  selection_.clear();
  const size_t failures = gate_.run(input, gate_vectors_, reasons_);
  for (size_t row = 0; row < input.row_count; ++row) {
    if (reasons_[row].empty()) {
      selection_.push_back(static_cast<uint32_t>(row));
      continue;
    }
    if (gate_.fail_on_error()) {
      return data_error(
          fmt::format("record at byte offset {}: {}", input.offsets[row], reasons_[row]));
    }
    RejectedRecord reject;
    reject.offset = input.offsets[row];
    reject.reason = std::move(reasons_[row]);
    reject.raw = std::string(input.raw[row].substr(0, limits::kRejectRawBytesMax));
    rejects.push_back(std::move(reject));
  }
  counters.rows_rejected += failures;

  // 2. The steps.
  gather_inputs(input);
  SLUICE_RETURN_IF_ERROR(run_operations(counters));
  counters.rows_out += selection_.size();

  // 3. The surviving rows: folded into the aggregate, or as text.
  if (aggregate_ != nullptr) {
    if (aggregate_->finished) return internal_error("pipeline: process() after finish_partial()");
    output.column_count = aggregate_->plan.partial_columns.size();
    if (selection_.empty()) return Status::ok();
    std::vector<const expr::Vector*> keys;
    for (size_t slot : aggregate_->key_slots) keys.push_back(eval_.columns[slot]);
    std::vector<const expr::Vector*> arguments;
    for (const auto& argument : aggregate_->arguments) {
      arguments.push_back(argument != nullptr ? &argument->evaluate(eval_, selection_) : nullptr);
    }
    aggregate_->table->update(keys, arguments, selection_);
    return Status::ok();
  }
  write_output(&input, selection_.data(), selection_.size(), output);
  return Status::ok();
}

Status Pipeline::run_operations(PipelineCounters& counters) {
  for (const Operation& operation : operations_) {
    if (selection_.empty()) break;
    if (operation.lookup != nullptr) {
      LookupStage& lookup = *operation.lookup;
      const expr::Vector& keys = *eval_.columns[lookup.key_slot];
      lookup.table->probe(keys, selection_, lookup.matches, lookup.scratch);
      for (size_t c = 0; c < lookup.outputs.size(); ++c) {
        expr::Vector& vector = lookup.outputs[c];
        vector.reset(expr::Type::kString, eval_.row_count);
        for (uint32_t row : selection_) {
          const int32_t match = lookup.matches[row];
          vector.valid[row] = match >= 0;
          if (match >= 0) vector.strings[row] = lookup.table->value(static_cast<size_t>(match), c);
        }
        eval_.columns[lookup.first_slot + c] = &vector;
      }
      continue;
    }
    if (operation.exec != nullptr) {
      ExecStage& exec = *operation.exec;
      std::vector<const expr::Vector*> inputs;
      inputs.reserve(exec.input_slots.size());
      for (size_t slot : exec.input_slots) inputs.push_back(eval_.columns[slot]);
      SLUICE_RETURN_IF_ERROR(
          exec.step->run(inputs, selection_, eval_.row_count, exec.outputs, arena_));
      for (size_t c = 0; c < exec.outputs.size(); ++c) {
        eval_.columns[exec.first_slot + c] = &exec.outputs[c];
      }
      continue;
    }
    const expr::Vector& result = operation.expression->evaluate(eval_, selection_);
    if (!operation.is_filter) {
      eval_.columns[operation.slot] = &result;
      continue;
    }
    next_selection_.clear();
    for (uint32_t row : selection_) {
      if (result.valid[row] && result.ints[row]) next_selection_.push_back(row);
    }
    counters.rows_filtered += selection_.size() - next_selection_.size();
    selection_.swap(next_selection_);
  }
  return Status::ok();
}

Status Pipeline::finish_partial(OutputBatch& out) {
  if (aggregate_ == nullptr)
    return internal_error("pipeline: finish_partial() without an aggregate step");
  if (aggregate_->finished) return internal_error("pipeline: finish_partial() called twice");
  aggregate_->finished = true;
  aggregate_->table->write_partial(out);
  return Status::ok();
}

namespace {

// -1, 0, 1 for two valid values of one vector; floats with NaN greatest.
int compare_values(const expr::Vector& vector, uint32_t a, uint32_t b) {
  switch (vector.type) {
    case expr::Type::kString: {
      const int c = vector.strings[a].compare(vector.strings[b]);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case expr::Type::kFloat64: {
      const double x = vector.doubles[a], y = vector.doubles[b];
      const bool x_nan = std::isnan(x), y_nan = std::isnan(y);
      if (x_nan || y_nan) return x_nan == y_nan ? 0 : (x_nan ? 1 : -1);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case expr::Type::kNull:
      return 0;
    default:
      return vector.ints[a] < vector.ints[b] ? -1 : (vector.ints[a] > vector.ints[b] ? 1 : 0);
  }
}

}  // namespace

Status Pipeline::run_final(std::vector<expr::Vector> columns, size_t row_count,
                           const std::function<Status(const OutputBatch&)>& emit) {
  SLUICE_ASSERT(is_final_stage_, "rows={}", row_count);
  gate_vectors_ = std::move(columns);
  std::deque<std::string> computed;  // strings computed by the steps, alive until the last emit
  arena_.rebind(&computed);
  eval_.row_count = row_count;
  eval_.arena = &arena_;
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (slots_[s].source == SlotSource::kGate) eval_.columns[s] = &gate_vectors_[slots_[s].index];
  }
  selection_.resize(row_count);
  for (size_t row = 0; row < row_count; ++row) selection_[row] = static_cast<uint32_t>(row);
  PipelineCounters counters;
  SLUICE_RETURN_IF_ERROR(run_operations(counters));

  // NULLs last in either direction (DuckDB's default); full ties keep the
  // merged order (by group key bytes), so the output is deterministic.
  if (!sort_.empty()) {
    std::vector<const expr::Vector*> keys;
    for (const SortSlot& key : sort_) keys.push_back(eval_.columns[key.slot]);
    std::stable_sort(selection_.begin(), selection_.end(), [&](uint32_t a, uint32_t b) {
      for (size_t k = 0; k < keys.size(); ++k) {
        const expr::Vector& vector = *keys[k];
        const bool a_null = vector.type == expr::Type::kNull || vector.is_null(a);
        const bool b_null = vector.type == expr::Type::kNull || vector.is_null(b);
        if (a_null || b_null) {
          if (a_null == b_null) continue;
          return b_null;
        }
        const int c = compare_values(vector, a, b);
        if (c != 0) return sort_[k].descending ? c > 0 : c < 0;
      }
      return false;
    });
  }

  OutputBatch batch;
  for (size_t begin = 0; begin < selection_.size(); begin += limits::kBatchRowsMax) {
    const size_t count = std::min(limits::kBatchRowsMax, selection_.size() - begin);
    batch.clear();
    arena_.rebind(&batch.owned);
    write_output(nullptr, selection_.data() + begin, count, batch);
    SLUICE_RETURN_IF_ERROR(emit(batch));
  }
  return Status::ok();
}

void Pipeline::write_output(const RecordBatch* input, const uint32_t* rows, size_t row_count,
                            OutputBatch& output) {
  output.column_count = visible_.size();
  output.fields.reserve(output.fields.size() + row_count * visible_.size());
  output.nulls.reserve(output.nulls.size() + row_count * visible_.size());
  for (size_t i = 0; i < row_count; ++i) {
    const uint32_t row = rows[i];
    for (const VisibleColumn& column : visible_) {
      const Slot& slot = slots_[column.slot];
      if (slot.source == SlotSource::kInput && !slot.materialize) {
        const std::string_view text = input->field(row, slot.index);
        const bool is_null = !null_values_.empty() && is_null_text(text);
        output.fields.push_back(is_null ? std::string_view() : text);
        output.nulls.push_back(is_null);
        continue;
      }
      const expr::Vector& vector = *eval_.columns[column.slot];
      if (vector.is_null(row)) {
        output.fields.push_back(std::string_view());
        output.nulls.push_back(1);
      } else {
        output.fields.push_back(expr::render_value(vector, row, arena_));
        output.nulls.push_back(0);
      }
    }
  }
  output.row_count += row_count;
}

}  // namespace sluice
