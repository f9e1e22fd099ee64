// The binder: name resolution, type checking, implicit widening, and the
// position of each kind of error in the formatted message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/expr/binder.h"
#include "common/expr/expression.h"
#include "common/expr/parser.h"

namespace sluice::expr {
namespace {

const std::vector<ColumnInfo> kColumns = {
    {"Registration State", Type::kString},
    {"Violation Code", Type::kInt64},
    {"Fine", Type::kFloat64},
    {"Issue Date", Type::kDate},
    {"Paid", Type::kBool},
    {"Street Name", Type::kString},
};

ExprError bind_error(const std::string& text) {
  ExprError error;
  NodePtr node = parse_expression(text, error);
  EXPECT_NE(node, nullptr) << error.message;
  if (!node) return error;
  EXPECT_FALSE(bind_expression(node, kColumns, error)) << text << " bound";
  return error;
}

Type bound_type(const std::string& text) {
  auto expression = Expression::compile(text, kColumns, "test");
  EXPECT_TRUE(expression.is_ok()) << expression.status().message();
  return expression.is_ok() ? expression->type() : Type::kNull;
}

TEST(ExprBinder, ReportsPositionOfUnknownColumn) {
  const ExprError error = bind_error("\"Street Name\" = 'MAIN' AND \"Registraton State\" = 'NJ'");
  EXPECT_EQ(error.position, 27u);
  EXPECT_EQ(error.message,
            "unknown column \"Registraton State\" (did you mean \"Registration State\"?)");
}

TEST(ExprBinder, FormatsTheErrorWithContextAndCaret) {
  auto expression =
      Expression::compile("\"Registraton State\" = 'NJ'", kColumns, "job.yaml:12: steps[1].filter");
  ASSERT_FALSE(expression.is_ok());
  EXPECT_EQ(expression.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(expression.status().message(),
            "job.yaml:12: steps[1].filter: unknown column \"Registraton State\" (did you mean "
            "\"Registration State\"?)\n\"Registraton State\" = 'NJ'\n^");
}

TEST(ExprBinder, ReportsSyntaxErrorsThroughCompileToo) {
  auto expression = Expression::compile("a = 'x", kColumns, "ctx");
  ASSERT_FALSE(expression.is_ok());
  EXPECT_EQ(expression.status().message(), "ctx: unterminated string literal\na = 'x\n    ^");
}

TEST(ExprBinder, ResolvesColumnsCaseInsensitivelyWhenUnambiguous) {
  EXPECT_EQ(bound_type("\"violation code\" + 1"), Type::kInt64);
  EXPECT_EQ(bound_type("fine"), Type::kFloat64);
}

TEST(ExprBinder, ReportsUnknownFunction) {
  const ExprError error = bind_error("\"Fine\" > 1 AND frobnicate(\"Fine\")");
  EXPECT_EQ(error.position, 15u);
  EXPECT_EQ(error.message, "unknown function frobnicate()");
}

TEST(ExprBinder, ReportsWrongArity) {
  EXPECT_EQ(bind_error("upper('a', 'b')").message, "upper() takes 1 argument, got 2");
  EXPECT_EQ(bind_error("substr('a')").message, "substr() takes 2 to 3 arguments, got 1");
  EXPECT_EQ(bind_error("concat_ws(',')").message, "concat_ws() takes at least 2 arguments, got 1");
  EXPECT_EQ(bind_error("\"Fine\" = date_diff('day', \"Issue Date\")").position, 9u);
}

TEST(ExprBinder, ReportsComparisonTypeMismatchAtTheOperator) {
  const ExprError error = bind_error("\"Registration State\" > 10");
  EXPECT_EQ(error.position, 21u);
  EXPECT_EQ(
      error.message,
      "cannot compare string with int64 (column \"Registration State\" is a string: give it a "
      "type in the schema, CAST it, or set input.infer_types: true)");
}

TEST(ExprBinder, ReportsArithmeticOnStrings) {
  const ExprError error = bind_error("\"Violation Code\" + \"Street Name\"");
  EXPECT_EQ(error.position, 17u);
}

TEST(ExprBinder, ReportsNonBooleanConditions) {
  EXPECT_EQ(bind_error("\"Fine\" AND \"Paid\"").message,
            "an operand of AND/OR must be bool, not float64");
  EXPECT_EQ(bind_error("CASE WHEN 1 THEN 2 END").message,
            "a WHEN condition must be bool, not int64");
  EXPECT_EQ(bind_error("NOT 'x'").position, 4u);
}

TEST(ExprBinder, ReportsFunctionArgumentTypeAtTheArgument) {
  const ExprError error = bind_error("upper(\"Fine\")");
  EXPECT_EQ(error.position, 6u);
  EXPECT_EQ(error.message, "argument 1 of upper() must be string, not float64");
}

TEST(ExprBinder, ReportsCaseBranchesOfDifferentTypes) {
  const ExprError error = bind_error("CASE WHEN \"Paid\" THEN 'yes' ELSE 0 END");
  EXPECT_EQ(error.position, 33u);
}

TEST(ExprBinder, ReportsImpossibleCast) {
  EXPECT_EQ(bind_error("CAST(\"Issue Date\" AS int64)").message, "cannot cast date to int64");
}

TEST(ExprBinder, RequiresConstantFormatsAndPatterns) {
  EXPECT_EQ(bind_error("strptime('2020', \"Street Name\")").message,
            "strptime: the format must be a constant string");
  EXPECT_EQ(bind_error("regexp_matches(\"Street Name\", \"Street Name\")").position, 30u);
  EXPECT_EQ(bind_error("date_diff('fortnight', \"Issue Date\", \"Issue Date\")").position, 10u);
  EXPECT_EQ(bind_error("strptime('2020', '%Q')").message, "unsupported date format directive %Q");
  EXPECT_EQ(bind_error("regexp_matches('a', '(')").position, 20u);
}

TEST(ExprBinder, ReportsInvalidDateLiteralInComparison) {
  const ExprError error = bind_error("\"Issue Date\" > '2020-13-01'");
  EXPECT_EQ(error.position, 15u);
  EXPECT_EQ(error.message, "'2020-13-01' is not a valid date");
}

TEST(ExprBinder, WidensIntToFloat) {
  EXPECT_EQ(bound_type("\"Violation Code\" + \"Fine\""), Type::kFloat64);
  EXPECT_EQ(bound_type("\"Violation Code\" > 1.5"), Type::kBool);
  EXPECT_EQ(bound_type("\"Violation Code\" / 2"), Type::kFloat64);
  EXPECT_EQ(bound_type("coalesce(\"Violation Code\", \"Fine\")"), Type::kFloat64);
  EXPECT_EQ(bound_type("round(\"Violation Code\")"), Type::kInt64);
}

TEST(ExprBinder, GivesEachExpressionItsType) {
  EXPECT_EQ(bound_type("\"Violation Code\" > 10"), Type::kBool);
  EXPECT_EQ(bound_type("concat(\"Violation Code\", 'x')"), Type::kString);
  EXPECT_EQ(bound_type("strptime('20200101', '%Y%m%d')"), Type::kTimestamp);
  EXPECT_EQ(bound_type("year(\"Issue Date\")"), Type::kInt64);
  EXPECT_EQ(bound_type("\"Issue Date\" + 1"), Type::kDate);
  EXPECT_EQ(bound_type("NULL"), Type::kNull);
  EXPECT_EQ(bound_type("CASE WHEN \"Paid\" THEN NULL ELSE 'x' END"), Type::kString);
  EXPECT_EQ(bound_type("CAST(\"Violation Code\" AS string)"), Type::kString);
}

TEST(ExprBinder, UsesTheIndexGivenForEachColumn) {
  std::vector<ColumnInfo> columns = {{"a", Type::kString, 7}, {"b", Type::kString}};
  ExprError error;
  NodePtr node = parse_expression("a || b", error);
  ASSERT_TRUE(bind_expression(node, columns, error)) << error.message;
  EXPECT_EQ(node->children[0]->column, 7u);
  EXPECT_EQ(node->children[1]->column, 1u);
}

}  // namespace
}  // namespace sluice::expr
