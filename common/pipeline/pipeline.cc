#include "common/pipeline/pipeline.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/base/limits.h"

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
    case StepKind::kFilter: return "filter";
    case StepKind::kDerive: return "derive";
    case StepKind::kSelect: return "select";
    case StepKind::kDrop: return "drop";
    case StepKind::kAggregate: return "aggregate";
    case StepKind::kSort: return "sort";
    case StepKind::kLookup: return "lookup";
    case StepKind::kExec: return "exec";
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
  SLUICE_RETURN_IF_ERROR(pipeline->compile_steps(spec));
  for (const VisibleColumn& column : pipeline->visible_) pipeline->output_columns_.push_back(column.name);
  pipeline->input_vectors_.resize(pipeline->slots_.size());
  pipeline->eval_.columns.assign(pipeline->slots_.size(), nullptr);
  return pipeline;
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

Status Pipeline::compile_steps(const JobSpec& spec) {
  for (const StepSpec& step : spec.steps) {
    switch (step.kind) {
      case StepKind::kFilter: {
        SLUICE_ASSIGN_OR_RETURN(auto expression, compile_expression(spec, step.expr, step.where));
        if (expression->type() != expr::Type::kBool && expression->type() != expr::Type::kNull) {
          return invalid_argument(format_expr_error(
              context_of(spec, step.where), step.expr, 0,
              fmt::format("a filter must be a condition (bool), not {}", expr::type_name(expression->type()))));
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
          SLUICE_ASSIGN_OR_RETURN(auto expression, compile_expression(spec, named.expr, where_of(step, named)));
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
          auto existing = std::find_if(target.begin(), target.end(),
                                       [&](const VisibleColumn& column) { return column.name == named.name; });
          if (existing != target.end()) {
            if (step.kind == StepKind::kSelect) {
              return invalid_argument(fmt::format("{}: column \"{}\" is selected twice",
                                                  context_of(spec, where_of(step, named)), named.name));
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
          auto existing = std::find_if(visible_.begin(), visible_.end(),
                                       [&](const VisibleColumn& column) { return column.name == name; });
          if (existing == visible_.end()) {
            return invalid_argument(fmt::format("{}: drop: unknown column \"{}\"", context_of(spec, step.where), name));
          }
          visible_.erase(existing);
        }
        break;
      case StepKind::kAggregate:
      case StepKind::kSort:
      case StepKind::kLookup:
      case StepKind::kExec:
        return invalid_argument(fmt::format("{}: the {} step is not supported yet",
                                            context_of(spec, step.where), step_name(step.kind)));
    }
  }
  if (visible_.empty()) return invalid_argument(fmt::format("{}: the steps leave no columns", spec.source_file));
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

Status Pipeline::process(const RecordBatch& input, OutputBatch& output, std::vector<RejectedRecord>& rejects,
                         PipelineCounters& counters) {
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
      return data_error(fmt::format("record at byte offset {}: {}", input.offsets[row], reasons_[row]));
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
  for (const Operation& operation : operations_) {
    if (selection_.empty()) break;
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

  // 3. The surviving rows, as text.
  write_output(input, output);
  counters.rows_out += selection_.size();
  return Status::ok();
}

void Pipeline::write_output(const RecordBatch& input, OutputBatch& output) {
  output.column_count = visible_.size();
  output.fields.reserve(output.fields.size() + selection_.size() * visible_.size());
  output.nulls.reserve(output.nulls.size() + selection_.size() * visible_.size());
  for (uint32_t row : selection_) {
    for (const VisibleColumn& column : visible_) {
      const Slot& slot = slots_[column.slot];
      if (slot.source == SlotSource::kInput && !slot.materialize) {
        const std::string_view text = input.field(row, slot.index);
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
  output.row_count += selection_.size();
}

}  // namespace sluice
