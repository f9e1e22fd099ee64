// Dispatch and the operators; functions are in eval_functions.cc, casts and
// rendering in eval_cast.cc.
#include "common/expr/eval.h"

#include <cmath>
#include <cstring>
#include <functional>

#include "common/base/assert.h"

namespace sluice::expr {
namespace {

void evaluate_literal(const Node& node, const Selection& selection, Vector& out) {
  const Literal& literal = node.literal;
  const uint8_t valid = literal.type != Type::kNull && !literal.is_null;
  for (uint32_t row : selection) out.valid[row] = valid;
  if (!valid) return;
  switch (literal.type) {
    case Type::kString:
      for (uint32_t row : selection) out.strings[row] = literal.string_value;
      break;
    case Type::kFloat64:
      for (uint32_t row : selection) out.doubles[row] = literal.float_value;
      break;
    default:
      for (uint32_t row : selection) out.ints[row] = literal.int_value;
      break;
  }
}

template <typename T, typename Compare>
void compare_loop(const std::vector<T>& a, const std::vector<T>& b, const Vector& left,
                  const Vector& right, const Selection& selection, Compare compare, Vector& out) {
  for (uint32_t row : selection) {
    const uint8_t valid = left.valid[row] & right.valid[row];
    out.valid[row] = valid;
    out.ints[row] = valid && compare(a[row], b[row]);
  }
}

template <typename T>
void compare_typed(CompareOp op, const std::vector<T>& a, const std::vector<T>& b,
                   const Vector& left, const Vector& right, const Selection& selection,
                   Vector& out) {
  switch (op) {
    case CompareOp::kEq:
      return compare_loop(a, b, left, right, selection, std::equal_to<T>(), out);
    case CompareOp::kNe:
      return compare_loop(a, b, left, right, selection, std::not_equal_to<T>(), out);
    case CompareOp::kLt:
      return compare_loop(a, b, left, right, selection, std::less<T>(), out);
    case CompareOp::kLe:
      return compare_loop(a, b, left, right, selection, std::less_equal<T>(), out);
    case CompareOp::kGt:
      return compare_loop(a, b, left, right, selection, std::greater<T>(), out);
    case CompareOp::kGe:
      return compare_loop(a, b, left, right, selection, std::greater_equal<T>(), out);
  }
}

void evaluate_compare(const Node& node, const Vector& left, const Vector& right,
                      const Selection& selection, Vector& out) {
  switch (left.type) {
    case Type::kString:
      return compare_typed(node.compare_op, left.strings, right.strings, left, right, selection,
                           out);
    case Type::kFloat64:
      return compare_typed(node.compare_op, left.doubles, right.doubles, left, right, selection,
                           out);
    default:
      return compare_typed(node.compare_op, left.ints, right.ints, left, right, selection, out);
  }
}

// Integer arithmetic; overflow and division by zero give NULL.
void evaluate_int_arith(ArithOp op, const Vector& left, const Vector& right,
                        const Selection& selection, Vector& out) {
  for (uint32_t row : selection) {
    uint8_t valid = left.valid[row] & right.valid[row];
    const int64_t a = left.ints[row];
    const int64_t b = right.ints[row];
    int64_t result = 0;
    if (valid) {
      switch (op) {
        case ArithOp::kAdd:
          valid = !__builtin_add_overflow(a, b, &result);
          break;
        case ArithOp::kSub:
          valid = !__builtin_sub_overflow(a, b, &result);
          break;
        case ArithOp::kMul:
          valid = !__builtin_mul_overflow(a, b, &result);
          break;
        case ArithOp::kMod:
          valid = b != 0;
          result = (b == 0 || b == -1) ? 0 : a % b;
          break;
        case ArithOp::kDiv:  // bound as float64; kept for completeness
          valid = b != 0 && !(a == INT64_MIN && b == -1);
          result = valid ? a / b : 0;
          break;
      }
    }
    out.valid[row] = valid;
    out.ints[row] = result;
  }
}

void evaluate_float_arith(ArithOp op, const Vector& left, const Vector& right,
                          const Selection& selection, Vector& out) {
  for (uint32_t row : selection) {
    uint8_t valid = left.valid[row] & right.valid[row];
    const double a = left.doubles[row];
    const double b = right.doubles[row];
    double result = 0;
    switch (op) {
      case ArithOp::kAdd:
        result = a + b;
        break;
      case ArithOp::kSub:
        result = a - b;
        break;
      case ArithOp::kMul:
        result = a * b;
        break;
      case ArithOp::kDiv:
        valid &= b != 0;
        result = b != 0 ? a / b : 0;
        break;
      case ArithOp::kMod:
        valid &= b != 0;
        result = b != 0 ? std::fmod(a, b) : 0;
        break;
    }
    out.valid[row] = valid;
    out.doubles[row] = result;
  }
}

// A string column (or expression) = or <> a string constant: no vector of
// the constant, and an inline byte loop for short constants. False when the
// node is not of that shape.
bool compare_with_constant(const Node& node, const EvalBatch& batch, const Selection& selection,
                           Vector& out) {
  if (node.compare_op != CompareOp::kEq && node.compare_op != CompareOp::kNe) return false;
  auto is_constant = [](const Node& child) {
    return child.kind == NodeKind::kLiteral && child.literal.type == Type::kString &&
           !child.literal.is_null;
  };
  const bool constant_right = is_constant(*node.children[1]);
  if (!constant_right && !is_constant(*node.children[0])) return false;
  const Node& other = *node.children[constant_right ? 0 : 1];
  if (other.type != Type::kString) return false;
  const std::string_view constant = node.children[constant_right ? 1 : 0]->literal.string_value;
  const Vector& values = evaluate(other, batch, selection);
  const bool want_equal = node.compare_op == CompareOp::kEq;
  const char* const c = constant.data();
  const size_t n = constant.size();
  for (uint32_t row : selection) {
    const uint8_t valid = values.valid[row];
    const std::string_view value = values.strings[row];
    bool equal = value.size() == n;
    if (equal && n <= 16) {
      for (size_t i = 0; i < n; ++i) equal &= value[i] == c[i];
    } else if (equal) {
      equal = std::memcmp(value.data(), c, n) == 0;
    }
    out.valid[row] = valid;
    out.ints[row] = valid && equal == want_equal;
  }
  return true;
}

void evaluate_logic(const Node& node, const Vector& left, const Vector& right,
                    const Selection& selection, Vector& out) {
  const bool is_and = node.kind == NodeKind::kAnd;
  for (uint32_t row : selection) {
    const bool left_known = left.valid[row];
    const bool right_known = right.valid[row];
    const bool a = left_known && left.ints[row];
    const bool b = right_known && right.ints[row];
    if (is_and) {
      // FALSE wins over NULL.
      const bool is_false = (left_known && !a) || (right_known && !b);
      out.valid[row] = is_false || (left_known && right_known);
      out.ints[row] = !is_false && a && b;
    } else {
      // TRUE wins over NULL.
      const bool is_true = a || b;
      out.valid[row] = is_true || (left_known && right_known);
      out.ints[row] = is_true;
    }
  }
}

void evaluate_like(const Node& node, const Vector& text, const Vector& pattern,
                   const Selection& selection, Vector& out) {
  for (uint32_t row : selection) {
    const uint8_t valid = text.valid[row] & pattern.valid[row];
    out.valid[row] = valid;
    if (!valid) continue;
    bool matches;
    if (node.like_pattern) {
      matches = node.like_pattern->matches(text.strings[row]);
    } else {
      matches = LikePattern(pattern.strings[row]).matches(text.strings[row]);
    }
    out.ints[row] = matches != node.negated;
  }
}

void evaluate_case(const Node& node, const EvalBatch& batch, const Selection& selection,
                   Vector& out) {
  Selection remaining = selection;
  Selection taken;
  Selection rest;
  const size_t pairs = node.children.size() / 2;
  for (size_t i = 0; i < pairs && !remaining.empty(); ++i) {
    const Vector& condition = evaluate(*node.children[2 * i], batch, remaining);
    taken.clear();
    rest.clear();
    for (uint32_t row : remaining) {
      (condition.valid[row] && condition.ints[row] ? taken : rest).push_back(row);
    }
    if (!taken.empty()) {
      const Vector& value = evaluate(*node.children[2 * i + 1], batch, taken);
      for (uint32_t row : taken) copy_row(value, row, out);
    }
    remaining.swap(rest);
  }
  if (remaining.empty()) return;
  if (node.has_else) {
    const Vector& value = evaluate(*node.children.back(), batch, remaining);
    for (uint32_t row : remaining) copy_row(value, row, out);
  } else {
    for (uint32_t row : remaining) out.valid[row] = 0;
  }
}

void evaluate_concat_operator(const Vector& left, const Vector& right, const Selection& selection,
                              StringArena& arena, Vector& out) {
  for (uint32_t row : selection) {
    const uint8_t valid = left.valid[row] & right.valid[row];
    out.valid[row] = valid;
    if (!valid) continue;
    const std::string_view a = left.strings[row];
    const std::string_view b = right.strings[row];
    char* buffer = arena.allocate(a.size() + b.size());
    std::memcpy(buffer, a.data(), a.size());
    std::memcpy(buffer + a.size(), b.data(), b.size());
    out.strings[row] = arena.commit(a.size() + b.size());
  }
}

void evaluate_date_arith(const Node& node, const Vector& left, const Vector& right,
                         const Selection& selection, Vector& out) {
  // date + int, date - int, date - date: all day counts in `ints`.
  evaluate_int_arith(node.arith_op, left, right, selection, out);
}

}  // namespace

const Vector& evaluate(const Node& node, const EvalBatch& batch, const Selection& selection) {
  if (node.kind == NodeKind::kColumn) {
    SLUICE_ASSERT(node.column < batch.columns.size(), "column={} columns={}", node.column,
                  batch.columns.size());
    return *batch.columns[node.column];
  }
  Vector& out = node.result;
  out.reset(node.type, batch.row_count);
  switch (node.kind) {
    case NodeKind::kLiteral:
      evaluate_literal(node, selection, out);
      break;
    case NodeKind::kColumn:
      break;
    case NodeKind::kNot: {
      const Vector& operand = evaluate(*node.children[0], batch, selection);
      for (uint32_t row : selection) {
        out.valid[row] = operand.valid[row];
        out.ints[row] = !operand.ints[row];
      }
      break;
    }
    case NodeKind::kNegate: {
      const Vector& operand = evaluate(*node.children[0], batch, selection);
      for (uint32_t row : selection) {
        out.valid[row] = operand.valid[row];
        if (node.type == Type::kFloat64) {
          out.doubles[row] = -operand.doubles[row];
        } else {
          out.valid[row] &= operand.ints[row] != INT64_MIN;
          out.ints[row] = operand.ints[row] == INT64_MIN ? 0 : -operand.ints[row];
        }
      }
      break;
    }
    case NodeKind::kAnd:
    case NodeKind::kOr: {
      const Vector& left = evaluate(*node.children[0], batch, selection);
      // The right operand only where the left does not decide (FALSE for
      // AND, TRUE for OR): a filter's later conditions see fewer rows.
      const bool is_and = node.kind == NodeKind::kAnd;
      Selection& undecided = node.undecided;
      undecided.clear();
      for (uint32_t row : selection) {
        const bool decides = left.valid[row] && (left.ints[row] != 0) != is_and;
        out.valid[row] = 1;
        out.ints[row] = !is_and;
        if (!decides) undecided.push_back(row);
      }
      if (undecided.empty()) break;
      const Vector& right = evaluate(*node.children[1], batch, undecided);
      evaluate_logic(node, left, right, undecided, out);
      break;
    }
    case NodeKind::kCompare: {
      if (compare_with_constant(node, batch, selection, out)) break;
      const Vector& left = evaluate(*node.children[0], batch, selection);
      const Vector& right = evaluate(*node.children[1], batch, selection);
      evaluate_compare(node, left, right, selection, out);
      break;
    }
    case NodeKind::kArith: {
      const Vector& left = evaluate(*node.children[0], batch, selection);
      const Vector& right = evaluate(*node.children[1], batch, selection);
      if (left.type == Type::kDate) {
        evaluate_date_arith(node, left, right, selection, out);
      } else if (node.type == Type::kFloat64) {
        evaluate_float_arith(node.arith_op, left, right, selection, out);
      } else {
        evaluate_int_arith(node.arith_op, left, right, selection, out);
      }
      break;
    }
    case NodeKind::kConcat: {
      const Vector& left = evaluate(*node.children[0], batch, selection);
      const Vector& right = evaluate(*node.children[1], batch, selection);
      evaluate_concat_operator(left, right, selection, *batch.arena, out);
      break;
    }
    case NodeKind::kIsNull: {
      const Vector& operand = evaluate(*node.children[0], batch, selection);
      for (uint32_t row : selection) {
        out.valid[row] = 1;
        out.ints[row] = (operand.valid[row] == 0) != node.negated;
      }
      break;
    }
    case NodeKind::kLike: {
      const Vector& text = evaluate(*node.children[0], batch, selection);
      const Vector& pattern =
          node.like_pattern ? text : evaluate(*node.children[1], batch, selection);
      evaluate_like(node, text, pattern, selection, out);
      break;
    }
    case NodeKind::kCase:
      evaluate_case(node, batch, selection, out);
      break;
    case NodeKind::kCast: {
      const Vector& operand = evaluate(*node.children[0], batch, selection);
      cast_vector(operand, node.cast_to, selection, *batch.arena, out);
      break;
    }
    case NodeKind::kCall:
      evaluate_call(node, batch, selection, out);
      break;
  }
  return out;
}

}  // namespace sluice::expr
