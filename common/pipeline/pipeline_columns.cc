// columns_read_by_steps: the input columns a job names, for an input whose
// header is unknown because every input file is empty (0 bytes).
#include <set>

#include "common/expr/parser.h"
#include "common/pipeline/pipeline.h"

namespace sluice {
namespace {

void collect_names(const expr::Node& node, std::vector<std::string>& names) {
  if (node.kind == expr::NodeKind::kColumn) names.push_back(node.name);
  for (const expr::NodePtr& child : node.children) collect_names(*child, names);
}

class ColumnsRead {
 public:
  // A name read while the input's columns are still visible, not made by a step.
  void read(const std::string& name) {
    if (!inputs_visible_ || known_.count(name) != 0) return;
    known_.insert(name);
    columns_.push_back(name);
  }
  void read_expression(const std::string& text) {
    expr::ExprError error;
    expr::NodePtr root = expr::parse_expression(text, error);
    if (root == nullptr) return;  // Pipeline::compile reports it
    std::vector<std::string> names;
    collect_names(*root, names);
    for (const std::string& name : names) read(name);
  }
  void made(const std::string& name) { known_.insert(name); }
  void hide_inputs() { inputs_visible_ = false; }
  std::vector<std::string> take() { return std::move(columns_); }

 private:
  std::vector<std::string> columns_;
  std::set<std::string> known_;
  bool inputs_visible_ = true;  // no select or aggregate yet
};

}  // namespace

std::vector<std::string> columns_read_by_steps(const JobSpec& spec) {
  ColumnsRead columns;
  if (spec.schema) {
    for (const ColumnRule& rule : spec.schema->columns) columns.read(rule.name);
  }
  for (const StepSpec& step : spec.steps) {
    switch (step.kind) {
      case StepKind::kFilter:
        columns.read_expression(step.expr);
        break;
      case StepKind::kDerive:
        for (const NamedExpr& named : step.exprs) {
          columns.read_expression(named.expr);
          columns.made(named.name);
        }
        break;
      case StepKind::kSelect:
        for (const NamedExpr& named : step.exprs) columns.read_expression(named.expr);
        columns.hide_inputs();
        break;
      case StepKind::kDrop:
        for (const std::string& name : step.columns) columns.read(name);
        break;
      case StepKind::kAggregate:
        // distinct over every column reads what is there: nothing new.
        for (const std::string& name : step.aggregate.by) columns.read(name);
        for (const NamedExpr& named : step.aggregate.aggs) {
          AggregateCall call;
          std::string message;
          size_t position = 0;
          if (parse_aggregate_call(named.expr, call, message, position) && !call.argument.empty()) {
            columns.read_expression(call.argument);
          }
        }
        columns.hide_inputs();
        break;
      case StepKind::kLookup:
        columns.read(step.lookup.left);
        for (const std::string& name : step.lookup.columns) columns.made(name);
        break;
      case StepKind::kExec:
        // The program gets the current columns; it returns `columns` (or them).
        if (!step.exec.columns.empty()) columns.hide_inputs();
        break;
      case StepKind::kSort:
        // A global sort reads its keys; after an aggregate they are its columns.
        for (const SortKey& key : step.sort) columns.read(key.column);
        break;
      case StepKind::kLimit:
        break;
      case StepKind::kJoin:
        // Its right columns are the join input's: from here on, unknown.
        for (const std::string& name : step.join->left_keys) columns.read(name);
        columns.hide_inputs();
        break;
    }
  }
  return columns.take();
}

}  // namespace sluice
