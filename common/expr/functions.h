#pragma once
// The function catalogue: names and arities. Types are checked by the binder,
// evaluation lives in eval_*.cc.

#include <cstddef>
#include <string_view>

#include "common/expr/ast.h"

namespace sluice::expr {

struct FunctionInfo {
  std::string_view name;
  Function id;
  size_t arguments_min;
  size_t arguments_max;  // SIZE_MAX: variadic
};

// `name` in lower case; null when there is no such function.
const FunctionInfo* find_function(std::string_view name);

}  // namespace sluice::expr
