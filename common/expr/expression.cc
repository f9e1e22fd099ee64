#include "common/expr/expression.h"

#include "common/expr/parser.h"

namespace sluice::expr {

Result<Expression> Expression::compile(const std::string& text,
                                       const std::vector<ColumnInfo>& columns,
                                       const std::string& context) {
  ExprError error;
  NodePtr root = parse_expression(text, error);
  if (!root || !bind_expression(root, columns, error)) {
    return invalid_argument(format_expr_error(context, text, error.position, error.message));
  }
  return Expression(text, std::move(root));
}

}  // namespace sluice::expr
