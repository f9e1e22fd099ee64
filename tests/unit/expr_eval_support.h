#pragma once
// Evaluating one expression over a column of strings, for the expression
// tests (inline: each test binary includes it once).
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "common/expr/expression.h"

namespace sluice::expr {

// Evaluates `text` with column `a` (string) set to each of `values`.
inline std::vector<std::string> over(const std::string& text,
                                     const std::vector<std::optional<std::string>>& values) {
  auto expression = Expression::compile(text, {{"a", Type::kString}}, "test");
  EXPECT_TRUE(expression.is_ok()) << expression.status().message();
  if (!expression.is_ok()) return {};
  Vector column;
  column.reset(Type::kString, values.size());
  Selection selection;
  for (size_t r = 0; r < values.size(); ++r) {
    column.valid[r] = values[r].has_value();
    column.strings[r] = values[r] ? std::string_view(*values[r]) : std::string_view();
    selection.push_back(static_cast<uint32_t>(r));
  }
  std::deque<std::string> storage;
  StringArena arena(&storage);
  EvalBatch batch;
  batch.row_count = values.size();
  batch.arena = &arena;
  batch.columns = {&column};
  const Vector& result = expression->evaluate(batch, selection);
  std::vector<std::string> out;
  for (size_t r = 0; r < values.size(); ++r) {
    out.push_back(result.is_null(r) ? "NULL" : std::string(render_value(result, r, arena)));
  }
  return out;
}

}  // namespace sluice::expr
