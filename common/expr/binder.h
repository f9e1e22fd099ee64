#pragma once
// Resolves column and function names, checks types and prepares a parsed
// tree for evaluation: implicit int -> float widening and casts to string
// (for concat) are inserted as CAST nodes, NULL literals take the type their
// context needs, constant subtrees are folded into literals, and constant
// arguments (strptime formats, LIKE and regexp patterns) are compiled once.

#include <cstdint>
#include <string>
#include <vector>

#include "common/expr/ast.h"
#include "common/expr/error.h"

namespace sluice::expr {

struct ColumnInfo {
  std::string name;
  Type type = Type::kString;
  // Where the evaluator finds it in EvalBatch::columns; SIZE_MAX: at its
  // position in the list given to the binder.
  size_t index = SIZE_MAX;
};

// A kColumn naming `columns[i]` reads EvalBatch::columns[columns[i].index]. Names match exactly,
// else case-insensitively when that is unambiguous. On error returns false
// with `error` at the offending position; `root` may be partly bound then.
bool bind_expression(NodePtr& root, const std::vector<ColumnInfo>& columns, ExprError& error);

}  // namespace sluice::expr
