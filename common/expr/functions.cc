#include "common/expr/functions.h"

#include <cstdint>

namespace sluice::expr {

const FunctionInfo* find_function(std::string_view name) {
  static constexpr FunctionInfo kFunctions[] = {
      {"concat", Function::kConcat, 1, SIZE_MAX},
      {"concat_ws", Function::kConcatWs, 2, SIZE_MAX},
      {"upper", Function::kUpper, 1, 1},
      {"lower", Function::kLower, 1, 1},
      {"trim", Function::kTrim, 1, 1},
      {"substr", Function::kSubstr, 2, 3},
      {"substring", Function::kSubstr, 2, 3},
      {"length", Function::kLength, 1, 1},
      {"replace", Function::kReplace, 3, 3},
      {"starts_with", Function::kStartsWith, 2, 2},
      {"contains", Function::kContains, 2, 2},
      {"regexp_matches", Function::kRegexpMatches, 2, 2},
      {"coalesce", Function::kCoalesce, 1, SIZE_MAX},
      {"nullif", Function::kNullif, 2, 2},
      {"abs", Function::kAbs, 1, 1},
      {"round", Function::kRound, 1, 2},
      {"strptime", Function::kStrptime, 2, 2},
      {"date_diff", Function::kDateDiff, 3, 3},
      {"datediff", Function::kDateDiff, 3, 3},
      {"year", Function::kYear, 1, 1},
      {"month", Function::kMonth, 1, 1},
      {"day", Function::kDay, 1, 1},
  };
  for (const FunctionInfo& info : kFunctions) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

}  // namespace sluice::expr
