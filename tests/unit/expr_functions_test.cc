// Every function of the language, including its NULL behaviour.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/expr/expression.h"
#include "tests/unit/expr_eval_support.h"

namespace sluice::expr {
namespace {

std::string eval(const std::string& text) {
  auto out = over(text, {std::string("x")});
  return out.empty() ? "<error>" : out[0];
}

const std::optional<std::string> kNull;

TEST(ExprFunctions, ConcatSkipsNulls) {
  EXPECT_EQ(over("concat(a, '-', a)", {"x", kNull}), (std::vector<std::string>{"x-x", "-"}));
  EXPECT_EQ(eval("concat(NULL, NULL)"), "");
  EXPECT_EQ(eval("concat('n=', 42, ' f=', 1.5, ' ', TRUE)"), "n=42 f=1.5 true");
}

TEST(ExprFunctions, ConcatWsSkipsNullArgumentsButNotEmptyStrings) {
  EXPECT_EQ(eval("concat_ws(', ', '', 'A')"), ", A");
  EXPECT_EQ(over("concat_ws(', ', '12', a, 'NJ')", {"MAIN ST", kNull, ""}),
            (std::vector<std::string>{"12, MAIN ST, NJ", "12, NJ", "12, , NJ"}));
  EXPECT_EQ(over("concat_ws(a, 'x', 'y')", {kNull, "+"}),
            (std::vector<std::string>{"NULL", "x+y"}));
}

TEST(ExprFunctions, UpperLowerTrim) {
  EXPECT_EQ(over("upper(a)", {"Ford", "FORD", kNull}),
            (std::vector<std::string>{"FORD", "FORD", "NULL"}));
  EXPECT_EQ(over("lower(a)", {"Ford", kNull}), (std::vector<std::string>{"ford", "NULL"}));
  EXPECT_EQ(over("trim(a)", {"  x y  ", "", kNull}), (std::vector<std::string>{"x y", "", "NULL"}));
}

TEST(ExprFunctions, SubstrIsOneBasedLikeSql) {
  EXPECT_EQ(over("substr(a, 1, 10)", {"2017-06-14T00:00:00.000", "short", kNull}),
            (std::vector<std::string>{"2017-06-14", "short", "NULL"}));
  EXPECT_EQ(eval("substr('hello', 2)"), "ello");
  EXPECT_EQ(eval("substr('hello', 0, 2)"), "h");
  EXPECT_EQ(eval("substr('hello', -3)"), "llo");
  EXPECT_EQ(eval("substr('hello', -3, 2)"), "ll");
  EXPECT_EQ(eval("substr('hello', 9)"), "");
  EXPECT_EQ(eval("substr('héllo', 2, 2)"), "él");
  EXPECT_EQ(eval("substr('hello', NULL)"), "NULL");
  EXPECT_EQ(eval("substr('hello', 1, NULL)"), "NULL");
}

TEST(ExprFunctions, LengthCountsCharacters) {
  EXPECT_EQ(over("length(a)", {"", "abc", "héllo", kNull}),
            (std::vector<std::string>{"0", "3", "5", "NULL"}));
}

TEST(ExprFunctions, ReplaceEveryOccurrence) {
  EXPECT_EQ(over("replace(a, 'ST', 'STREET')", {"MAIN ST ST", "AVE", kNull}),
            (std::vector<std::string>{"MAIN STREET STREET", "AVE", "NULL"}));
  EXPECT_EQ(eval("replace('abc', '', 'x')"), "abc");
  EXPECT_EQ(eval("replace('abc', 'b', NULL)"), "NULL");
}

TEST(ExprFunctions, StartsWithAndContains) {
  EXPECT_EQ(over("starts_with(a, 'FO')", {"FORD", "AFO", kNull}),
            (std::vector<std::string>{"true", "false", "NULL"}));
  EXPECT_EQ(over("contains(a, 'OR')", {"FORD", "FRD", kNull}),
            (std::vector<std::string>{"true", "false", "NULL"}));
  EXPECT_EQ(eval("contains('x', NULL)"), "NULL");
}

TEST(ExprFunctions, RegexpMatchesSearchesAnywhere) {
  EXPECT_EQ(over("regexp_matches(a, '^[A-Z]{2}$')", {"NJ", "NJX", "nj", kNull}),
            (std::vector<std::string>{"true", "false", "false", "NULL"}));
  EXPECT_EQ(eval("regexp_matches('abc123', '[0-9]+')"), "true");
}

TEST(ExprFunctions, CoalesceTakesTheFirstNonNull) {
  EXPECT_EQ(over("coalesce(a, 'none')", {"x", kNull}), (std::vector<std::string>{"x", "none"}));
  EXPECT_EQ(eval("coalesce(NULL, NULL, 3)"), "3");
  EXPECT_EQ(eval("coalesce(NULL, 1, 2.5)"), "1");
  EXPECT_EQ(eval("coalesce(NULL, NULL)"), "NULL");
}

TEST(ExprFunctions, NullifGivesNullWhenEqual) {
  EXPECT_EQ(over("nullif(a, '')", {"", "x", kNull}),
            (std::vector<std::string>{"NULL", "x", "NULL"}));
  EXPECT_EQ(eval("nullif(1, NULL)"), "1");
}

TEST(ExprFunctions, AbsAndRound) {
  EXPECT_EQ(eval("abs(-3)"), "3");
  EXPECT_EQ(eval("abs(-2.5)"), "2.5");
  EXPECT_EQ(eval("abs(NULL)"), "NULL");
  EXPECT_EQ(eval("round(2.5)"), "3");
  EXPECT_EQ(eval("round(-2.5)"), "-3");
  EXPECT_EQ(eval("round(3.14159, 2)"), "3.14");
  EXPECT_EQ(eval("round(1234, -2)"), "1200");
  EXPECT_EQ(eval("round(1250, -2)"), "1300");
  EXPECT_EQ(eval("round(7)"), "7");
  EXPECT_EQ(eval("round(NULL, 2)"), "NULL");
  EXPECT_EQ(eval("round(1.5, NULL)"), "NULL");
}

TEST(ExprFunctions, StrptimeGivesNullForAnythingButARealDate) {
  EXPECT_EQ(over("strptime(a, '%Y%m%d')",
                 {"20180630", "20180231", "0", "88888888", "20160229", "20170229", "", kNull}),
            (std::vector<std::string>{"2018-06-30 00:00:00", "NULL", "NULL", "NULL",
                                      "2016-02-29 00:00:00", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(eval("strptime('2017-06-14T08:30:05.000', '%Y-%m-%dT%H:%M:%S.000')"),
            "2017-06-14 08:30:05");
  EXPECT_EQ(eval("strptime('06/14/2017', '%m/%d/%Y')"), "2017-06-14 00:00:00");
  EXPECT_EQ(eval("strptime('2017-06-14 extra', '%Y-%m-%d')"), "NULL");
}

TEST(ExprFunctions, DateDiffInDaysIsBMinusA) {
  EXPECT_EQ(
      eval("date_diff('day', strptime('20180101', '%Y%m%d'), strptime('20180111', '%Y%m%d'))"),
      "10");
  EXPECT_EQ(
      eval("date_diff('day', strptime('20180111', '%Y%m%d'), strptime('20180101', '%Y%m%d'))"),
      "-10");
  // Across leap days: 2016 and 2000 are leap years, 1900 and 2100 are not.
  EXPECT_EQ(eval("date_diff('day', CAST('2016-02-28' AS date), CAST('2016-03-01' AS date))"), "2");
  EXPECT_EQ(eval("date_diff('day', CAST('2017-02-28' AS date), CAST('2017-03-01' AS date))"), "1");
  EXPECT_EQ(eval("date_diff('day', CAST('2000-02-28' AS date), CAST('2000-03-01' AS date))"), "2");
  EXPECT_EQ(eval("date_diff('day', CAST('2100-02-28' AS date), CAST('2100-03-01' AS date))"), "1");
  EXPECT_EQ(eval("date_diff('day', CAST('2015-06-14' AS date), CAST('2019-06-14' AS date))"),
            "1461");
  EXPECT_EQ(eval("date_diff('day', CAST('1969-12-31' AS date), CAST('1970-01-02' AS date))"), "2");
  // Day boundaries crossed, as in DuckDB, for timestamps.
  EXPECT_EQ(eval("date_diff('day', CAST('2020-01-01 23:00:00' AS timestamp), CAST('2020-01-02 "
                 "01:00:00' AS timestamp))"),
            "1");
  EXPECT_EQ(
      eval(
          "date_diff('day', CAST('2020-01-01' AS date), CAST('2020-01-02 12:00:00' AS timestamp))"),
      "1");
  EXPECT_EQ(eval("date_diff('day', NULL, CAST('2020-01-02' AS date))"), "NULL");
}

TEST(ExprFunctions, DateDiffInOtherParts) {
  EXPECT_EQ(eval("date_diff('month', CAST('2020-01-31' AS date), CAST('2020-03-01' AS date))"),
            "2");
  EXPECT_EQ(eval("date_diff('year', CAST('2019-12-31' AS date), CAST('2020-01-01' AS date))"), "1");
  EXPECT_EQ(eval("date_diff('hour', CAST('2020-01-01 10:59:00' AS timestamp), CAST('2020-01-01 "
                 "12:00:00' AS timestamp))"),
            "2");
}

TEST(ExprFunctions, YearMonthDay) {
  EXPECT_EQ(over("year(strptime(a, '%Y%m%d'))", {"20180630", "bad", kNull}),
            (std::vector<std::string>{"2018", "NULL", "NULL"}));
  EXPECT_EQ(eval("month(CAST('2024-02-29' AS date))"), "2");
  EXPECT_EQ(eval("day(CAST('2024-02-29 10:00:00' AS timestamp))"), "29");
  EXPECT_EQ(eval("year(CAST('1969-12-31' AS date))"), "1969");
}

}  // namespace
}  // namespace sluice::expr
