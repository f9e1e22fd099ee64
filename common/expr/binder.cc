#include "common/expr/binder.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/expr/datetime.h"
#include "common/expr/eval.h"
#include "common/expr/functions.h"
#include "common/expr/regex.h"

namespace sluice::expr {
namespace {

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The type both sides convert to implicitly, if any.
std::optional<Type> common_type(Type a, Type b) {
  if (a == b) return a;
  if (a == Type::kNull) return b;
  if (b == Type::kNull) return a;
  if (is_numeric(a) && is_numeric(b)) return Type::kFloat64;
  if (is_temporal(a) && is_temporal(b)) return Type::kTimestamp;
  return std::nullopt;
}

bool can_cast(Type from, Type to) {
  if (from == to || from == Type::kNull || from == Type::kString || to == Type::kString)
    return true;
  if ((is_numeric(from) || from == Type::kBool) && (is_numeric(to) || to == Type::kBool))
    return true;
  return is_temporal(from) && is_temporal(to);
}

bool is_literal(const Node& node) { return node.kind == NodeKind::kLiteral; }
bool is_string_literal(const Node& node) {
  return is_literal(node) && node.literal.type == Type::kString && !node.literal.is_null;
}

class Binder {
 public:
  Binder(const std::vector<ColumnInfo>& columns, ExprError& error)
      : columns_(columns), error_(error) {}

  bool bind(NodePtr& node) {
    for (NodePtr& child : node->children) {
      if (!bind(child)) return false;
    }
    if (!bind_node(*node)) return false;
    fold(node);
    return true;
  }

 private:
  bool fail(size_t position, std::string message) {
    error_ = {position, std::move(message)};
    return false;
  }

  // Evaluates a node whose children are all literals and replaces it by its value.
  void fold(NodePtr& node) {
    if (node->kind == NodeKind::kLiteral || node->kind == NodeKind::kColumn) return;
    if (node->type == Type::kNull) {  // a kNull-typed expression is always NULL
      NodePtr literal = make_node(NodeKind::kLiteral, node->position);
      node = std::move(literal);
      return;
    }
    for (const NodePtr& child : node->children) {
      if (!is_literal(*child)) return;
    }
    std::deque<std::string> storage;
    StringArena arena(&storage);
    EvalBatch batch;
    batch.row_count = 1;
    batch.arena = &arena;
    const Selection selection = {0};
    const Vector& value = evaluate(*node, batch, selection);
    NodePtr literal = make_node(NodeKind::kLiteral, node->position);
    literal->type = node->type;
    literal->literal.type = node->type;
    literal->literal.is_null = value.is_null(0);
    if (!value.is_null(0)) {
      switch (node->type) {
        case Type::kString:
          literal->literal.string_value = std::string(value.strings[0]);
          break;
        case Type::kFloat64:
          literal->literal.float_value = value.doubles[0];
          break;
        default:
          literal->literal.int_value = value.ints[0];
          break;
      }
    }
    node = std::move(literal);
  }

  // Converts `node` to `type` (implicitly: the caller checked it is allowed).
  void coerce(NodePtr& node, Type type) {
    if (node->type == type) return;
    if (node->type == Type::kNull && is_literal(*node)) {
      node->type = type;
      node->literal.type = type;
      node->literal.is_null = true;
      return;
    }
    NodePtr cast = make_node(NodeKind::kCast, node->position);
    cast->cast_to = TypeName{type, false};
    cast->type = type;
    cast->children.push_back(std::move(node));
    node = std::move(cast);
    fold(node);
  }

  // A string literal compared with a date or timestamp is read as one.
  bool coerce_temporal_literal(NodePtr& node, Type type) {
    const std::string& text = node->literal.string_value;
    std::optional<int64_t> value =
        type == Type::kDate ? parse_iso_date(text) : parse_iso_timestamp(text);
    if (!value)
      return fail(node->position, fmt::format("'{}' is not a valid {}", text, type_name(type)));
    node->type = type;
    node->literal.type = type;
    node->literal.int_value = *value;
    return true;
  }

  bool expect(NodePtr& node, Type type, std::string_view what) {
    if (node->type == type) return true;
    if (node->type == Type::kNull) {
      coerce(node, type);
      return true;
    }
    if (type == Type::kFloat64 && node->type == Type::kInt64) {
      coerce(node, type);
      return true;
    }
    return fail(node->position,
                fmt::format("{} must be {}, not {}", what, type_name(type), type_name(node->type)));
  }

  std::string hint_for_untyped(const Node& a, const Node& b) const {
    for (const Node* node : {&a, &b}) {
      const Node* other = node == &a ? &b : &a;
      if (node->kind == NodeKind::kColumn && node->type == Type::kString &&
          other->type != Type::kString) {
        return fmt::format(
            " (column \"{}\" is a string: give it a type in the schema, CAST it, or set "
            "input.infer_types: true)",
            node->name);
      }
    }
    return "";
  }

  bool bind_column(Node& node) {
    const ColumnInfo* found = nullptr;
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].name == node.name) {
        found = &columns_[i];
        node.column = found->index == SIZE_MAX ? i : found->index;
        break;
      }
    }
    if (!found) {
      const std::string wanted = to_lower(node.name);
      size_t matches = 0;
      for (size_t i = 0; i < columns_.size(); ++i) {
        if (to_lower(columns_[i].name) == wanted) {
          found = &columns_[i];
          node.column = found->index == SIZE_MAX ? i : found->index;
          ++matches;
        }
      }
      if (matches > 1) {
        return fail(node.position, fmt::format("ambiguous column \"{}\": it matches {} columns "
                                               "that differ only in case",
                                               node.name, matches));
      }
    }
    if (!found) {
      std::string message = fmt::format("unknown column \"{}\"", node.name);
      const ColumnInfo* best = nullptr;
      size_t best_distance = 4;
      for (const ColumnInfo& column : columns_) {
        const size_t distance = edit_distance(to_lower(node.name), to_lower(column.name));
        if (distance < best_distance) {
          best_distance = distance;
          best = &column;
        }
      }
      if (best) message += fmt::format(" (did you mean \"{}\"?)", best->name);
      return fail(node.position, message);
    }
    node.type = found->type;
    return true;
  }

  bool bind_compare(Node& node) {
    NodePtr& left = node.children[0];
    NodePtr& right = node.children[1];
    if (is_temporal(left->type) && is_string_literal(*right) &&
        !coerce_temporal_literal(right, left->type)) {
      return false;
    }
    if (is_temporal(right->type) && is_string_literal(*left) &&
        !coerce_temporal_literal(left, right->type)) {
      return false;
    }
    auto type = common_type(left->type, right->type);
    if (!type) {
      return fail(node.position,
                  fmt::format("cannot compare {} with {}{}", type_name(left->type),
                              type_name(right->type), hint_for_untyped(*left, *right)));
    }
    if (*type == Type::kNull) *type = Type::kInt64;
    coerce(left, *type);
    coerce(right, *type);
    node.type = Type::kBool;
    return true;
  }

  bool bind_arith(Node& node) {
    NodePtr& left = node.children[0];
    NodePtr& right = node.children[1];
    const bool additive = node.arith_op == ArithOp::kAdd || node.arith_op == ArithOp::kSub;
    // date +/- days, date - date.
    if (additive && left->type == Type::kDate) {
      if (node.arith_op == ArithOp::kSub && right->type == Type::kDate) {
        node.type = Type::kInt64;
        return true;
      }
      if (right->type == Type::kInt64 || right->type == Type::kNull) {
        coerce(right, Type::kInt64);
        node.type = Type::kDate;
        return true;
      }
    }
    if (node.arith_op == ArithOp::kAdd && right->type == Type::kDate &&
        (left->type == Type::kInt64 || left->type == Type::kNull)) {
      std::swap(left, right);
      coerce(right, Type::kInt64);
      node.type = Type::kDate;
      return true;
    }
    auto type = common_type(left->type, right->type);
    if (type == Type::kNull) type = Type::kInt64;
    if (!type || !is_numeric(*type)) {
      return fail(node.position,
                  fmt::format("arithmetic needs numbers, not {} and {}{}", type_name(left->type),
                              type_name(right->type), hint_for_untyped(*left, *right)));
    }
    if (node.arith_op == ArithOp::kDiv) type = Type::kFloat64;
    coerce(left, *type);
    coerce(right, *type);
    node.type = *type;
    return true;
  }

  bool bind_case(Node& node) {
    const size_t pairs = node.children.size() / 2;
    std::optional<Type> result = Type::kNull;
    for (size_t i = 0; i < pairs; ++i) {
      if (!expect(node.children[2 * i], Type::kBool, "a WHEN condition")) return false;
    }
    auto is_result = [&](size_t index) {
      return index % 2 == 1 || (node.has_else && index + 1 == node.children.size());
    };
    for (size_t i = 0; i < node.children.size(); ++i) {
      if (!is_result(i)) continue;
      auto next = common_type(*result, node.children[i]->type);
      if (!next) {
        return fail(node.children[i]->position,
                    fmt::format("CASE branches have different types: {} and {}", type_name(*result),
                                type_name(node.children[i]->type)));
      }
      result = next;
    }
    for (size_t i = 0; i < node.children.size(); ++i) {
      if (is_result(i)) coerce(node.children[i], *result);
    }
    node.type = *result;
    return true;
  }

  bool bind_node(Node& node) {
    switch (node.kind) {
      case NodeKind::kLiteral:
        node.type = node.literal.type;
        return true;
      case NodeKind::kColumn:
        return bind_column(node);
      case NodeKind::kNot:
        node.type = Type::kBool;
        return expect(node.children[0], Type::kBool, "the operand of NOT");
      case NodeKind::kAnd:
      case NodeKind::kOr:
        node.type = Type::kBool;
        return expect(node.children[0], Type::kBool, "an operand of AND/OR") &&
               expect(node.children[1], Type::kBool, "an operand of AND/OR");
      case NodeKind::kNegate:
        if (node.children[0]->type == Type::kNull) coerce(node.children[0], Type::kInt64);
        if (!is_numeric(node.children[0]->type)) {
          return fail(node.position,
                      fmt::format("cannot negate {}", type_name(node.children[0]->type)));
        }
        node.type = node.children[0]->type;
        return true;
      case NodeKind::kCompare:
        return bind_compare(node);
      case NodeKind::kArith:
        return bind_arith(node);
      case NodeKind::kConcat:
        for (NodePtr& child : node.children) coerce(child, Type::kString);
        node.type = Type::kString;
        return true;
      case NodeKind::kIsNull:
        node.type = Type::kBool;
        return true;
      case NodeKind::kLike:
        if (!expect(node.children[0], Type::kString, "the text of LIKE") ||
            !expect(node.children[1], Type::kString, "the pattern of LIKE")) {
          return false;
        }
        if (is_string_literal(*node.children[1])) {
          node.like_pattern = std::make_shared<LikePattern>(node.children[1]->literal.string_value);
        }
        node.type = Type::kBool;
        return true;
      case NodeKind::kCase:
        return bind_case(node);
      case NodeKind::kCast:
        if (!can_cast(node.children[0]->type, node.cast_to.type)) {
          return fail(node.position,
                      fmt::format("cannot cast {} to {}", type_name(node.children[0]->type),
                                  type_name(node.cast_to.type)));
        }
        node.type = node.cast_to.type;
        return true;
      case NodeKind::kCall:
        return bind_call(node);
    }
    return fail(node.position, "internal: unknown node kind");
  }

  bool require_constant_string(const Node& call, size_t index, std::string_view what) {
    const Node& argument = *call.children[index];
    if (is_string_literal(argument)) return true;
    return fail(argument.position,
                fmt::format("{}: {} must be a constant string", call.name, what));
  }

  bool bind_call(Node& node) {
    const FunctionInfo* info = find_function(node.name);
    if (!info) return fail(node.position, fmt::format("unknown function {}()", node.name));
    const size_t count = node.children.size();
    if (count < info->arguments_min || count > info->arguments_max) {
      std::string expected =
          info->arguments_min == info->arguments_max ? std::to_string(info->arguments_min)
          : info->arguments_max == SIZE_MAX
              ? fmt::format("at least {}", info->arguments_min)
              : fmt::format("{} to {}", info->arguments_min, info->arguments_max);
      return fail(node.position, fmt::format("{}() takes {} argument{}, got {}", node.name,
                                             expected, info->arguments_max == 1 ? "" : "s", count));
    }
    node.function = info->id;
    auto argument = [&](size_t index) -> NodePtr& { return node.children[index]; };
    auto expect_argument = [&](size_t index, Type type) {
      return expect(argument(index), type,
                    fmt::format("argument {} of {}()", index + 1, node.name));
    };
    switch (info->id) {
      case Function::kConcat:
      case Function::kConcatWs:
        for (NodePtr& child : node.children) coerce(child, Type::kString);
        node.type = Type::kString;
        return true;
      case Function::kUpper:
      case Function::kLower:
      case Function::kTrim:
        node.type = Type::kString;
        return expect_argument(0, Type::kString);
      case Function::kSubstr:
        node.type = Type::kString;
        return expect_argument(0, Type::kString) && expect_argument(1, Type::kInt64) &&
               (count < 3 || expect_argument(2, Type::kInt64));
      case Function::kLength:
        node.type = Type::kInt64;
        return expect_argument(0, Type::kString);
      case Function::kReplace:
        node.type = Type::kString;
        return expect_argument(0, Type::kString) && expect_argument(1, Type::kString) &&
               expect_argument(2, Type::kString);
      case Function::kStartsWith:
      case Function::kContains:
        node.type = Type::kBool;
        return expect_argument(0, Type::kString) && expect_argument(1, Type::kString);
      case Function::kRegexpMatches: {
        node.type = Type::kBool;
        if (!expect_argument(0, Type::kString) || !expect_argument(1, Type::kString)) return false;
        if (!require_constant_string(node, 1, "the pattern")) return false;
        auto regex = Regex::compile(argument(1)->literal.string_value);
        if (!regex.is_ok()) {
          return fail(argument(1)->position,
                      fmt::format("invalid regular expression: {}", regex.status().message()));
        }
        node.regex = std::move(regex).value();
        return true;
      }
      case Function::kCoalesce: {
        std::optional<Type> result = Type::kNull;
        for (NodePtr& child : node.children) {
          auto next = common_type(*result, child->type);
          if (!next) {
            return fail(child->position,
                        fmt::format("coalesce() arguments have different types: {} and {}",
                                    type_name(*result), type_name(child->type)));
          }
          result = next;
        }
        for (NodePtr& child : node.children) coerce(child, *result);
        node.type = *result;
        return true;
      }
      case Function::kNullif: {
        auto result = common_type(argument(0)->type, argument(1)->type);
        if (!result) {
          return fail(node.position,
                      fmt::format("nullif() arguments have different types: {} and {}",
                                  type_name(argument(0)->type), type_name(argument(1)->type)));
        }
        coerce(argument(0), *result);
        coerce(argument(1), *result);
        node.type = *result;
        return true;
      }
      case Function::kAbs:
        if (argument(0)->type == Type::kNull) coerce(argument(0), Type::kInt64);
        if (!is_numeric(argument(0)->type)) {
          return fail(argument(0)->position,
                      fmt::format("abs() needs a number, not {}", type_name(argument(0)->type)));
        }
        node.type = argument(0)->type;
        return true;
      case Function::kRound:
        if (argument(0)->type == Type::kNull) coerce(argument(0), Type::kFloat64);
        if (!is_numeric(argument(0)->type)) {
          return fail(argument(0)->position,
                      fmt::format("round() needs a number, not {}", type_name(argument(0)->type)));
        }
        node.type = argument(0)->type;
        return count < 2 || expect_argument(1, Type::kInt64);
      case Function::kStrptime: {
        node.type = Type::kTimestamp;
        if (!expect_argument(0, Type::kString) || !expect_argument(1, Type::kString)) return false;
        if (!require_constant_string(node, 1, "the format")) return false;
        auto format = DateFormat::compile(argument(1)->literal.string_value);
        if (!format.is_ok()) return fail(argument(1)->position, format.status().message());
        node.date_format = std::make_shared<const DateFormat>(std::move(format).value());
        return true;
      }
      case Function::kDateDiff: {
        node.type = Type::kInt64;
        if (!expect_argument(0, Type::kString)) return false;
        if (!require_constant_string(node, 0, "the date part")) return false;
        static constexpr std::pair<std::string_view, DatePart> kParts[] = {
            {"day", DatePart::kDay},       {"days", DatePart::kDay},
            {"hour", DatePart::kHour},     {"minute", DatePart::kMinute},
            {"second", DatePart::kSecond}, {"month", DatePart::kMonth},
            {"year", DatePart::kYear}};
        const std::string part = to_lower(argument(0)->literal.string_value);
        bool known = false;
        for (const auto& [name, value] : kParts) {
          if (part == name) {
            node.date_part = value;
            known = true;
          }
        }
        if (!known) {
          return fail(argument(0)->position,
                      fmt::format("unknown date part '{}' (day, hour, minute, "
                                  "second, month, year)",
                                  part));
        }
        for (size_t index : {size_t{1}, size_t{2}}) {
          if (argument(index)->type == Type::kNull) coerce(argument(index), Type::kTimestamp);
          if (!is_temporal(argument(index)->type)) {
            return fail(
                argument(index)->position,
                fmt::format("argument {} of date_diff() must be a date or timestamp, not {}",
                            index + 1, type_name(argument(index)->type)));
          }
        }
        // Compare on one scale: both dates, or both timestamps.
        if (argument(1)->type != argument(2)->type) {
          coerce(argument(1), Type::kTimestamp);
          coerce(argument(2), Type::kTimestamp);
        }
        return true;
      }
      case Function::kYear:
      case Function::kMonth:
      case Function::kDay:
        node.type = Type::kInt64;
        if (argument(0)->type == Type::kNull) coerce(argument(0), Type::kDate);
        if (!is_temporal(argument(0)->type)) {
          return fail(argument(0)->position, fmt::format("{}() needs a date or timestamp, not {}",
                                                         node.name, type_name(argument(0)->type)));
        }
        return true;
    }
    return fail(node.position, "internal: unhandled function");
  }

  const std::vector<ColumnInfo>& columns_;
  ExprError& error_;
};

}  // namespace

bool bind_expression(NodePtr& root, const std::vector<ColumnInfo>& columns, ExprError& error) {
  error = ExprError{};
  Binder binder(columns, error);
  return binder.bind(root);
}

}  // namespace sluice::expr
