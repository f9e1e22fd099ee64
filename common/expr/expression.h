#pragma once
// The expression language's front door: text in, a typed, vectorized
// evaluator out. See README.md for the language.
//
//   auto expr = Expression::compile("upper(\"Street Name\")", columns, "job.yaml:9:
//   steps[1].derive.x"); const Vector& result = expr->evaluate(batch, selection);
//
// Thread safety: an Expression keeps scratch vectors for its nodes, so one
// instance is used by one thread at a time; compile one per thread.

#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/expr/ast.h"
#include "common/expr/binder.h"
#include "common/expr/eval.h"

namespace sluice::expr {

class Expression {
 public:
  // Parses and binds `text` against `columns`. Errors are kInvalidArgument
  // with format_expr_error(context, text, position, message).
  static Result<Expression> compile(const std::string& text, const std::vector<ColumnInfo>& columns,
                                    const std::string& context);

  Type type() const { return root_->type; }
  const std::string& text() const { return text_; }
  // Folded to a single value at compile time.
  bool is_constant() const { return root_->kind == NodeKind::kLiteral; }
  const Node& root() const { return *root_; }

  // Computes the value for the rows in `selection`; see evaluate() in eval.h.
  const Vector& evaluate(const EvalBatch& batch, const Selection& selection) const {
    return expr::evaluate(*root_, batch, selection);
  }

 private:
  Expression(std::string text, NodePtr root) : text_(std::move(text)), root_(std::move(root)) {}
  std::string text_;
  NodePtr root_;
};

}  // namespace sluice::expr
