#pragma once
// Recursive-descent parser for sluice's SQL expression subset (see README).
// Precedence, lowest first: OR; AND; NOT; comparisons, IS, IN, BETWEEN, LIKE;
// ||; + -; * / %; unary minus.

#include <string_view>

#include "common/expr/ast.h"
#include "common/expr/error.h"

namespace sluice::expr {

// Returns the tree, or null with `error` filled (position is a byte offset).
NodePtr parse_expression(std::string_view text, ExprError& error);

}  // namespace sluice::expr
