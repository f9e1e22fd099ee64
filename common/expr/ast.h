#pragma once
// The expression tree. The parser builds it (IN, BETWEEN and the simple CASE
// are rewritten into comparisons there); the binder resolves names and types
// in place and attaches compiled state (formats, patterns); the evaluator
// runs it a batch at a time, keeping each node's result vector for reuse.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/expr/datetime.h"
#include "common/expr/like.h"
#include "common/expr/regex.h"
#include "common/expr/types.h"
#include "common/expr/vector.h"

namespace sluice::expr {

enum class NodeKind : uint8_t {
  kLiteral,
  kColumn,
  kNot,
  kNegate,
  kAnd,
  kOr,
  kCompare,  // children: left, right
  kArith,    // children: left, right
  kConcat,   // a || b
  kIsNull,   // negated: IS NOT NULL
  kLike,     // children: text, pattern; negated: NOT LIKE
  kCase,     // children: when0, then0, when1, then1, ..., [else]
  kCast,
  kCall,
};

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv, kMod };

enum class Function : uint8_t {
  kConcat,
  kConcatWs,
  kUpper,
  kLower,
  kTrim,
  kSubstr,
  kLength,
  kReplace,
  kStartsWith,
  kContains,
  kRegexpMatches,
  kCoalesce,
  kNullif,
  kAbs,
  kRound,
  kStrptime,
  kDateDiff,
  kYear,
  kMonth,
  kDay,
};

enum class DatePart : uint8_t { kDay, kHour, kMinute, kSecond, kMonth, kYear };

// A constant value; strings are owned here and viewed by result vectors.
struct Literal {
  Type type = Type::kNull;
  bool is_null = false;   // a typed NULL (the binder's coercion of NULL)
  int64_t int_value = 0;  // bool, int64, date, timestamp
  double float_value = 0;
  std::string string_value;
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Node {
  Node() = default;
  // Frees the subtree without recursion, so no tree exhausts the stack on
  // the way out (a failed parse of a long chain included).
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  NodeKind kind = NodeKind::kLiteral;
  size_t position = 0;  // byte offset in the expression text, for errors
  std::vector<NodePtr> children;

  Literal literal;   // kLiteral
  std::string name;  // kColumn: the column; kCall: the function, lower case
  CompareOp compare_op = CompareOp::kEq;
  ArithOp arith_op = ArithOp::kAdd;
  bool negated = false;   // kIsNull, kLike
  bool has_else = false;  // kCase
  TypeName cast_to;       // kCast

  // Set by the binder.
  Type type = Type::kNull;
  size_t column = 0;  // kColumn: index into the evaluation's columns
  Function function = Function::kConcat;
  DatePart date_part = DatePart::kDay;
  std::shared_ptr<const DateFormat> date_format;    // strptime
  std::shared_ptr<const Regex> regex;               // regexp_matches with a constant pattern
  std::shared_ptr<const LikePattern> like_pattern;  // LIKE with a constant pattern

  // Scratch of the evaluator, reused across batches.
  mutable Vector result;
  // AND / OR: the rows the left operand does not decide, for the right one.
  mutable Selection undecided;
};

NodePtr make_node(NodeKind kind, size_t position);
NodePtr clone_node(const Node& node);
// The number of nodes on the longest path from `node` to a leaf (a leaf is
// 1); computed without recursion.
size_t tree_depth(const Node& node);

}  // namespace sluice::expr
