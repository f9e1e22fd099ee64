#pragma once
// Vectorized evaluation of a bound expression tree: one dispatch per node per
// batch, then a tight loop over the selected rows. Never fails: operations
// that have no value (x / 0, overflow, a CAST that does not parse) give NULL,
// like DuckDB's TRY_CAST.

#include <cstddef>
#include <string_view>
#include <vector>

#include "common/expr/ast.h"
#include "common/expr/vector.h"

namespace sluice::expr {

// What an expression reads: one vector per column index the binder assigned,
// each with at least row_count rows.
struct EvalBatch {
  size_t row_count = 0;
  std::vector<const Vector*> columns;
  StringArena* arena = nullptr;
};

// Computes `node` for the rows in `selection`. The result is the node's own
// scratch vector (or a column's vector) and stays valid until the node is
// evaluated again.
const Vector& evaluate(const Node& node, const EvalBatch& batch, const Selection& selection);

// --- pieces shared by the eval_*.cc files ---------------------------------
void evaluate_call(const Node& node, const EvalBatch& batch, const Selection& selection,
                   Vector& out);
// The string functions (concat ... regexp_matches); `arguments` are evaluated.
void evaluate_string_function(const Node& node, const std::vector<const Vector*>& arguments,
                              const Selection& selection, StringArena& arena, Vector& out);
void cast_vector(const Vector& in, const TypeName& to, const Selection& selection,
                 StringArena& arena, Vector& out);
// The value's text as it is written to output: strings as-is, ints in
// decimal, floats shortest round-trip, bools true/false, dates YYYY-MM-DD,
// timestamps YYYY-MM-DD HH:MM:SS[.ffffff]. The row must be valid.
std::string_view render_value(const Vector& vector, size_t row, StringArena& arena);
// out[row] = in[row] for vectors of the same type (validity included).
inline void copy_row(const Vector& in, size_t row, Vector& out) {
  out.valid[row] = in.valid[row];
  switch (in.type) {
    case Type::kString:
      out.strings[row] = in.strings[row];
      break;
    case Type::kFloat64:
      out.doubles[row] = in.doubles[row];
      break;
    case Type::kNull:
      break;
    default:
      out.ints[row] = in.ints[row];
      break;
  }
}

}  // namespace sluice::expr
