// The expression parser: precedence, every construct of the language, and
// the position and wording of each kind of syntax error.
#include <gtest/gtest.h>

#include <string>

#include "common/expr/error.h"
#include "common/expr/parser.h"

namespace sluice::expr {
namespace {

// A compact rendering of the tree, for asserting on its shape.
std::string show(const Node& node) {
  auto child = [&](size_t i) { return show(*node.children[i]); };
  switch (node.kind) {
    case NodeKind::kLiteral:
      switch (node.literal.type) {
        case Type::kNull:
          return "NULL";
        case Type::kString:
          return "'" + node.literal.string_value + "'";
        case Type::kFloat64:
          return std::to_string(node.literal.float_value);
        case Type::kBool:
          return node.literal.int_value ? "TRUE" : "FALSE";
        default:
          return std::to_string(node.literal.int_value);
      }
    case NodeKind::kColumn:
      return "[" + node.name + "]";
    case NodeKind::kNot:
      return "(NOT " + child(0) + ")";
    case NodeKind::kNegate:
      return "(-" + child(0) + ")";
    case NodeKind::kAnd:
      return "(" + child(0) + " AND " + child(1) + ")";
    case NodeKind::kOr:
      return "(" + child(0) + " OR " + child(1) + ")";
    case NodeKind::kCompare: {
      static const char* kOps[] = {"=", "<>", "<", "<=", ">", ">="};
      return "(" + child(0) + " " + kOps[static_cast<int>(node.compare_op)] + " " + child(1) + ")";
    }
    case NodeKind::kArith: {
      static const char* kOps[] = {"+", "-", "*", "/", "%"};
      return "(" + child(0) + " " + kOps[static_cast<int>(node.arith_op)] + " " + child(1) + ")";
    }
    case NodeKind::kConcat:
      return "(" + child(0) + " || " + child(1) + ")";
    case NodeKind::kIsNull:
      return "(" + child(0) + (node.negated ? " IS NOT NULL)" : " IS NULL)");
    case NodeKind::kLike:
      return "(" + child(0) + (node.negated ? " NOT LIKE " : " LIKE ") + child(1) + ")";
    case NodeKind::kCase: {
      std::string out = "(CASE";
      const size_t pairs = node.children.size() / 2;
      for (size_t i = 0; i < pairs; ++i)
        out += " WHEN " + child(2 * i) + " THEN " + child(2 * i + 1);
      if (node.has_else) out += " ELSE " + show(*node.children.back());
      return out + " END)";
    }
    case NodeKind::kCast:
      return "CAST(" + child(0) + " AS " + type_name(node.cast_to.type) + ")";
    case NodeKind::kCall: {
      std::string out = node.name + "(";
      for (size_t i = 0; i < node.children.size(); ++i) out += (i ? ", " : "") + child(i);
      return out + ")";
    }
  }
  return "?";
}

std::string parse_ok(const std::string& text) {
  ExprError error;
  NodePtr node = parse_expression(text, error);
  EXPECT_NE(node, nullptr) << text << ": " << error.message << " at " << error.position;
  return node ? show(*node) : "";
}

ExprError parse_error(const std::string& text) {
  ExprError error;
  NodePtr node = parse_expression(text, error);
  EXPECT_EQ(node, nullptr) << text << " parsed as " << show(*node);
  return error;
}

TEST(ExprParser, ParsesLiteralsOfEveryKind) {
  EXPECT_EQ(parse_ok("'it''s'"), "'it's'");
  EXPECT_EQ(parse_ok("42"), "42");
  EXPECT_EQ(parse_ok("2.5"), std::to_string(2.5));
  EXPECT_EQ(parse_ok("true"), "TRUE");
  EXPECT_EQ(parse_ok("False"), "FALSE");
  EXPECT_EQ(parse_ok("NULL"), "NULL");
}

TEST(ExprParser, ParsesBareAndQuotedIdentifiers) {
  EXPECT_EQ(parse_ok("issuing_agency"), "[issuing_agency]");
  EXPECT_EQ(parse_ok("\"Registration State\""), "[Registration State]");
  EXPECT_EQ(parse_ok("\"say \"\"hi\"\"\""), "[say \"hi\"]");
}

TEST(ExprParser, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(parse_ok("a and not b Or c"), parse_ok("a AND NOT b OR c"));
  EXPECT_EQ(parse_ok("x is not null"), "([x] IS NOT NULL)");
  EXPECT_EQ(parse_ok("case when a then 1 else 2 end"), "(CASE WHEN [a] THEN 1 ELSE 2 END)");
}

TEST(ExprParser, AppliesSqlPrecedence) {
  EXPECT_EQ(parse_ok("a OR b AND c"), "([a] OR ([b] AND [c]))");
  EXPECT_EQ(parse_ok("NOT a = 1"), "(NOT ([a] = 1))");
  EXPECT_EQ(parse_ok("1 + 2 * 3 - 4"), "((1 + (2 * 3)) - 4)");
  EXPECT_EQ(parse_ok("-a % 3"), "((-[a]) % 3)");
  EXPECT_EQ(parse_ok("a || b = c"), "(([a] || [b]) = [c])");
  EXPECT_EQ(parse_ok("(1 + 2) * 3"), "((1 + 2) * 3)");
}

TEST(ExprParser, ParsesEveryComparisonOperator) {
  EXPECT_EQ(parse_ok("a = 1"), "([a] = 1)");
  EXPECT_EQ(parse_ok("a == 1"), "([a] = 1)");
  EXPECT_EQ(parse_ok("a != 1"), "([a] <> 1)");
  EXPECT_EQ(parse_ok("a <> 1"), "([a] <> 1)");
  EXPECT_EQ(parse_ok("a < 1"), "([a] < 1)");
  EXPECT_EQ(parse_ok("a <= 1"), "([a] <= 1)");
  EXPECT_EQ(parse_ok("a > 1"), "([a] > 1)");
  EXPECT_EQ(parse_ok("a >= 1"), "([a] >= 1)");
}

TEST(ExprParser, RewritesInAndNotInAsComparisons) {
  EXPECT_EQ(parse_ok("s IN ('NJ', 'NY')"), "(([s] = 'NJ') OR ([s] = 'NY'))");
  EXPECT_EQ(parse_ok("s NOT IN ('NJ')"), "(NOT ([s] = 'NJ'))");
}

TEST(ExprParser, RewritesBetween) {
  EXPECT_EQ(parse_ok("x BETWEEN 1 AND 5 AND y"), "((([x] >= 1) AND ([x] <= 5)) AND [y])");
  EXPECT_EQ(parse_ok("x NOT BETWEEN 1 AND 5"), "(NOT (([x] >= 1) AND ([x] <= 5)))");
}

TEST(ExprParser, ParsesLikeAndNotLike) {
  EXPECT_EQ(parse_ok("s LIKE 'F%'"), "([s] LIKE 'F%')");
  EXPECT_EQ(parse_ok("s NOT LIKE '_x'"), "([s] NOT LIKE '_x')");
}

TEST(ExprParser, ParsesSearchedAndSimpleCase) {
  EXPECT_EQ(parse_ok("CASE WHEN a THEN 'x' WHEN b THEN 'y' END"),
            "(CASE WHEN [a] THEN 'x' WHEN [b] THEN 'y' END)");
  EXPECT_EQ(parse_ok("CASE s WHEN 'P' THEN 'police' ELSE s END"),
            "(CASE WHEN ([s] = 'P') THEN 'police' ELSE [s] END)");
}

TEST(ExprParser, ParsesCastWithTypeSynonyms) {
  EXPECT_EQ(parse_ok("CAST(x AS int32)"), "CAST([x] AS int64)");
  EXPECT_EQ(parse_ok("cast(x as VARCHAR)"), "CAST([x] AS string)");
  EXPECT_EQ(parse_ok("CAST('2020-01-01' AS date)"), "CAST('2020-01-01' AS date)");
}

TEST(ExprParser, ParsesFunctionCallsWithLowerCaseNames) {
  EXPECT_EQ(parse_ok("CONCAT_WS(', ', a, \"b c\")"), "concat_ws(', ', [a], [b c])");
  EXPECT_EQ(parse_ok("f()"), "f()");
  EXPECT_EQ(parse_ok("substr(x, 1, 10)"), "substr([x], 1, 10)");
}

TEST(ExprParser, ParsesTheW2Expression) {
  const std::string w2 =
      "CASE WHEN strptime(substr(\"Issue Date\", 1, 10), '%Y-%m-%d') IS NULL OR "
      "strptime(\"Vehicle Expiration Date\", '%Y%m%d') IS NULL THEN -1 ELSE "
      "date_diff('day', strptime(substr(\"Issue Date\",1,10), '%Y-%m-%d'), "
      "strptime(\"Vehicle Expiration Date\", '%Y%m%d')) END";
  EXPECT_FALSE(parse_ok(w2).empty());
}

TEST(ExprParser, ReportsUnterminatedStringAtItsQuote) {
  const ExprError error = parse_error("a = 'abc");
  EXPECT_EQ(error.position, 4u);
  EXPECT_EQ(error.message, "unterminated string literal");
}

TEST(ExprParser, ReportsUnterminatedQuotedIdentifier) {
  const ExprError error = parse_error("\"Street Name = 1");
  EXPECT_EQ(error.position, 0u);
  EXPECT_EQ(error.message, "unterminated quoted identifier");
}

TEST(ExprParser, ReportsUnexpectedCharacter) {
  const ExprError error = parse_error("a = #1");
  EXPECT_EQ(error.position, 4u);
  EXPECT_EQ(error.message, "unexpected character '#'");
}

TEST(ExprParser, ReportsMissingOperand) {
  const ExprError error = parse_error("a = ");
  EXPECT_EQ(error.position, 4u);
  EXPECT_EQ(error.message, "expected an expression, found end of expression");
}

TEST(ExprParser, ReportsTrailingTokens) {
  const ExprError error = parse_error("a = 1 b");
  EXPECT_EQ(error.position, 6u);
  EXPECT_EQ(error.message, "unexpected 'b'");
}

TEST(ExprParser, ReportsUnclosedParenthesis) {
  const ExprError error = parse_error("upper(a");
  EXPECT_EQ(error.position, 7u);
  EXPECT_EQ(error.message, "expected ')', found end of expression");
}

TEST(ExprParser, ReportsCaseWithoutEnd) {
  const ExprError error = parse_error("CASE WHEN a THEN 1");
  EXPECT_EQ(error.position, 18u);
  EXPECT_EQ(error.message, "expected END, found end of expression");
}

TEST(ExprParser, ReportsCaseWithoutWhen) {
  const ExprError error = parse_error("CASE ELSE 1 END");
  EXPECT_EQ(error.position, 5u);
}

TEST(ExprParser, ReportsUnknownCastType) {
  const ExprError error = parse_error("CAST(a AS decimal)");
  EXPECT_EQ(error.position, 10u);
  EXPECT_EQ(error.message, "unknown type \"decimal\"");
}

TEST(ExprParser, ReportsKeywordWhereAnExpressionBelongs) {
  const ExprError error = parse_error("a AND AND b");
  EXPECT_EQ(error.position, 6u);
}

TEST(ExprParser, ReportsIntegerOutOfRange) {
  const ExprError error = parse_error("x > 99999999999999999999");
  EXPECT_EQ(error.position, 4u);
  EXPECT_EQ(error.message, "integer literal out of range");
}

TEST(ExprParser, ReportsIsWithoutNull) {
  const ExprError error = parse_error("a IS 1");
  EXPECT_EQ(error.position, 5u);
  EXPECT_EQ(error.message, "expected NULL, found '1'");
}

TEST(ExprParser, ReportsEmptyExpression) {
  const ExprError error = parse_error("   ");
  EXPECT_EQ(error.position, 3u);
}

// Deep trees are refused, not recursed into until the stack runs out: each
// case below overflowed the stack before the limits (common/base/limits.h).
std::string repeated(const std::string& unit, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += unit;
  return out;
}

TEST(ExprParser, RefusesNestingDeeperThanTheLimit) {
  EXPECT_EQ(parse_ok(repeated("(", 200) + "a" + repeated(")", 200)), "[a]");
  const ExprError parentheses = parse_error(repeated("(", 100'000) + "a" + repeated(")", 100'000));
  EXPECT_EQ(parentheses.message, "expression nested more than 256 levels deep");
  EXPECT_EQ(parentheses.position, 256u);
  EXPECT_EQ(parse_error(repeated("NOT ", 100'000) + "a").message,
            "expression nested more than 256 levels deep");
  EXPECT_EQ(parse_error(repeated("-", 100'000) + "1").message,
            "expression nested more than 256 levels deep");
  EXPECT_EQ(parse_error(repeated("upper(", 100'000) + "a" + repeated(")", 100'000)).message,
            "expression nested more than 256 levels deep");
}

TEST(ExprParser, RefusesOperatorChainsDeeperThanTheLimit) {
  // 5,000 levels parse (checked without rendering: show() recurses per level).
  ExprError within;
  EXPECT_NE(parse_expression("a" + repeated(" OR a", 5'000), within), nullptr) << within.message;
  const std::string chain = "1" + repeated("+1", 400'000);
  const ExprError error = parse_error(chain + " > 0");
  EXPECT_EQ(error.message,
            "expression deeper than 10000 levels (operators, calls and parentheses)");
  EXPECT_LT(error.position, chain.size());
  // A syntax error at the end of a long chain frees the chain without recursion.
  EXPECT_EQ(parse_error(chain + " +").message, "expected an expression, found end of expression");
  EXPECT_EQ(parse_error("(" + chain + ") IN (1, 2)").message,
            "expression deeper than 10000 levels (operators, calls and parentheses)");
}

TEST(ExprParser, LongInListsStayShallow) {
  std::string list = "0";
  for (int i = 1; i < 100'000; ++i) list += "," + std::to_string(i);
  ExprError error;
  NodePtr node = parse_expression("x IN (" + list + ")", error);
  ASSERT_NE(node, nullptr) << error.message;
  EXPECT_LE(tree_depth(*node), 20u);
  EXPECT_EQ(parse_ok("s IN (1, 2, 3, 4)"),
            "((([s] = 1) OR ([s] = 2)) OR (([s] = 3) OR ([s] = 4)))");
}

TEST(FormatExprError, PutsTheCaretUnderThePosition) {
  const std::string message =
      format_expr_error("job.yaml:12: steps[1].filter", "\"Registraton State\" = 'NJ'", 0,
                        "unknown column \"Registraton State\"");
  EXPECT_EQ(message,
            "job.yaml:12: steps[1].filter: unknown column \"Registraton State\"\n"
            "\"Registraton State\" = 'NJ'\n"
            "^");
  EXPECT_EQ(format_expr_error("", "a = #", 4, "bad"), "bad\na = #\n    ^");
}

TEST(FormatExprError, KeepsTheExpressionOnOneLine) {
  EXPECT_EQ(format_expr_error("ctx", "a\nAND b", 6, "m"), "ctx: m\na AND b\n      ^");
}

}  // namespace
}  // namespace sluice::expr
