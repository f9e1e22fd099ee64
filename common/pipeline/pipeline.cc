#include "common/pipeline/pipeline.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "common/base/assert.h"
#include "common/base/limits.h"
#include "common/base/paths.h"
#include "common/expr/parser.h"

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
    case StepKind::kLimit:
      return "limit";
    case StepKind::kJoin:
      return "join";
  }
  return "unknown";
}

}  // namespace

Result<std::unique_ptr<Pipeline>> Pipeline::compile(const JobSpec& spec,
                                                    const std::vector<std::string>& input_columns,
                                                    bool header_known) {
  std::unique_ptr<Pipeline> pipeline(new Pipeline());
  pipeline->allow_no_columns_ = !header_known;
  SLUICE_ASSIGN_OR_RETURN(pipeline->gate_, SchemaGate::compile(spec, input_columns));
  pipeline->input_columns_ = input_columns;
  pipeline->batch_columns_ = input_columns.size();
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
  pipeline->plan_gathers();
  return pipeline;
}

namespace {

void collect_columns(const expr::Node& node, std::vector<size_t>& slots) {
  if (node.kind == expr::NodeKind::kColumn) slots.push_back(node.column);
  for (const expr::NodePtr& child : node.children) collect_columns(*child, slots);
}

}  // namespace

void Pipeline::plan_gathers() {
  auto keep_raw = [&](std::vector<size_t>& slots) {
    std::erase_if(slots, [&](size_t slot) {
      return slots_[slot].source != SlotSource::kInput || !slots_[slot].materialize;
    });
  };
  for (Operation& operation : operations_) {
    std::vector<size_t>& read = operation.input_slots_read;
    if (operation.expression != nullptr) collect_columns(operation.expression->root(), read);
    if (operation.lookup != nullptr) read.push_back(operation.lookup->key_slot);
    if (operation.exec != nullptr) read = operation.exec->input_slots;
    keep_raw(read);
  }
  for (size_t slot = 0; slot < slots_.size(); ++slot) materialized_slots_.push_back(slot);
  keep_raw(materialized_slots_);
  gathered_.assign(slots_.size(), 0);
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
  by_where.key += step.aggregate.distinct ? "" : ".by";
  std::vector<std::string> by = step.aggregate.by;
  if (step.aggregate.distinct_all) {
    for (const VisibleColumn& column : visible_) by.push_back(column.name);
  }
  for (const std::string& name : by) {
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
  if (step.aggregate.aggs.empty() && by.empty()) {
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

Status Pipeline::compile_global_order_step(const JobSpec& spec, const StepSpec& step) {
  const std::string context = context_of(spec, step.where);
  if (limit_) {
    return invalid_argument(
        step.kind == StepKind::kLimit
            ? fmt::format("{}: only one limit per job", context)
            : fmt::format("{}: a sort after a limit is not supported", context));
  }
  if (step.kind == StepKind::kLimit) {
    // A limit without a sort keeps the first rows in input order: a global
    // sort by no column (the keys are the rows' input positions).
    global_sort_ = true;
    limit_ = step.limit;
    return Status::ok();
  }
  if (global_sort_) {
    return invalid_argument(fmt::format("{}: only one sort per job is supported", context));
  }
  SLUICE_RETURN_IF_ERROR(compile_sort(spec, step));
  // Raw input columns the keys read are gathered into vectors like the
  // columns expressions read.
  for (const SortSlot& key : sort_) {
    if (slots_[key.slot].source == SlotSource::kInput) slots_[key.slot].materialize = true;
  }
  global_sort_ = true;
  return Status::ok();
}

Status Pipeline::compile_limit_after_aggregate(const JobSpec& spec, const StepSpec& step) {
  const std::string context = context_of(spec, step.where);
  if (limit_) return invalid_argument(fmt::format("{}: only one limit per job", context));
  if (sort_.empty()) {
    // The groups are spread over the bucket tasks in no global order.
    return invalid_argument(fmt::format(
        "{}: a limit after an aggregate needs a sort between them (which groups?)", context));
  }
  limit_ = step.limit;
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
        if (limit_) {
          // It would run before the limit (in the map task): another result.
          return invalid_argument(
              fmt::format("{}: a filter after a limit is not supported (filter before the limit)",
                          context_of(spec, step.where)));
        }
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
          return invalid_argument(
              fmt::format("{}: only one aggregate or distinct step per job is supported",
                          context_of(spec, step.where)));
        }
        if (global_sort_) {
          return invalid_argument(
              fmt::format("{}: an aggregate or distinct after a sort or limit is not supported "
                          "(its order would be lost); sort after the aggregate instead",
                          context_of(spec, step.where)));
        }
        // The steps after it are compiled over its output by compile_final.
        return compile_aggregate(spec, step_index);
      case StepKind::kSort:
        if (!is_final_stage_) {
          SLUICE_RETURN_IF_ERROR(compile_global_order_step(spec, step));
          break;
        }
        if (limit_) {
          return invalid_argument(fmt::format("{}: a sort after a limit is not supported",
                                              context_of(spec, step.where)));
        }
        SLUICE_RETURN_IF_ERROR(compile_sort(spec, step));
        break;
      case StepKind::kLimit:
        if (is_final_stage_) {
          SLUICE_RETURN_IF_ERROR(compile_limit_after_aggregate(spec, step));
        } else {
          SLUICE_RETURN_IF_ERROR(compile_global_order_step(spec, step));
        }
        break;
      case StepKind::kLookup:
        SLUICE_RETURN_IF_ERROR(compile_lookup(spec, step));
        break;
      case StepKind::kJoin:
        // A join cuts the job in pieces, each compiled alone (join_plan.h).
        return invalid_argument(
            fmt::format("{}: a join is compiled as its sides (join_left_spec, join_after_spec)",
                        context_of(spec, step.where)));
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
  if (visible_.empty() && !allow_no_columns_)
    return invalid_argument(fmt::format("{}: the steps leave no columns", spec.source_file));
  if (visible_.size() > limits::kColumnsMax) {
    return invalid_argument(fmt::format("{}: the steps produce {} columns, more than the limit {}",
                                        spec.source_file, visible_.size(), limits::kColumnsMax));
  }
  return Status::ok();
}

std::vector<size_t> Pipeline::input_columns_read() const {
  std::vector<uint8_t> read(input_columns_.size(), 0);
  for (const SchemaGate::Column& column : gate_.columns()) read[column.input_column] = 1;
  for (const Slot& slot : slots_) {
    if (slot.source == SlotSource::kInput && slot.materialize) read[slot.index] = 1;
  }
  // Columns passed to the output as they are; an aggregate outputs its
  // state instead, from materialized columns.
  if (aggregate_ == nullptr) {
    for (const VisibleColumn& column : visible_) {
      const Slot& slot = slots_[column.slot];
      if (slot.source == SlotSource::kInput) read[slot.index] = 1;
    }
  }
  std::vector<size_t> columns;
  for (size_t i = 0; i < read.size(); ++i) {
    if (read[i] != 0) columns.push_back(i);
  }
  return columns;
}

void Pipeline::read_projected(const std::vector<size_t>& columns) {
  std::vector<size_t> position(input_columns_.size(), SIZE_MAX);
  for (size_t i = 0; i < columns.size(); ++i) position[columns[i]] = i;
  for (Slot& slot : slots_) {
    if (slot.source == SlotSource::kInput) slot.index = position[slot.index];
  }
  gate_.read_projected(position);
  batch_columns_ = columns.size();
}

void Pipeline::set_abort(const std::atomic<bool>* abort) {
  for (Operation& operation : operations_) {
    if (operation.exec) operation.exec->step->set_abort(abort);
  }
}

}  // namespace sluice
