// Regular expressions (RE2): regexp_matches() searches, the schema's
// `pattern` matches the whole field, both in time linear in the text and
// without recursion, so fields as long as a record may be (16 MiB by
// default) match without exhausting the stack; patterns RE2 refuses
// (backreferences, lookaround) are errors when the job is checked.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/expr/binder.h"
#include "common/expr/expression.h"
#include "common/expr/parser.h"
#include "common/expr/regex.h"
#include "common/pipeline/schema_gate.h"
#include "tests/support/batch_rows.h"
#include "tests/unit/expr_eval_support.h"

namespace sluice::expr {
namespace {

constexpr size_t kLongFieldBytes = 60'000;  // std::regex overflowed the stack on this
constexpr size_t kRecordBytes = 16u << 20;  // input.max_record_size's default

ExprError bind_error(const std::string& text) {
  ExprError error;
  NodePtr node = parse_expression(text, error);
  EXPECT_NE(node, nullptr) << error.message;
  if (!node) return error;
  EXPECT_FALSE(bind_expression(node, {{"a", Type::kString}}, error)) << text << " bound";
  return error;
}

TEST(ExprRegex, MatchesA60000ByteFieldWithoutRecursion) {
  const std::string letters(kLongFieldBytes, 'q');
  EXPECT_EQ(over("regexp_matches(a, '^[a-z]+$')", {letters, letters + "1", "", "abc"}),
            (std::vector<std::string>{"true", "false", "false", "true"}));
}

TEST(ExprRegex, MatchesAFieldAsLongAsTheDefaultRecordLimit) {
  std::string letters(kRecordBytes, 'x');
  std::string with_digit = letters;
  with_digit[kRecordBytes / 2] = '7';
  EXPECT_EQ(over("regexp_matches(a, '^[a-z]+$')", {letters, with_digit}),
            (std::vector<std::string>{"true", "false"}));
  EXPECT_EQ(over("regexp_matches(a, '[0-9]')", {letters, with_digit}),
            (std::vector<std::string>{"false", "true"}));
}

TEST(ExprRegex, NestedRepetitionIsLinearNotExponential) {
  // Catastrophic for a backtracking matcher: 2^n ways to split the a's.
  const std::string text(1u << 20, 'a');
  EXPECT_EQ(over("regexp_matches(a, '^(a|aa)*b$')", {text}), (std::vector<std::string>{"false"}));
  EXPECT_EQ(over("regexp_matches(a, '(a*)*$')", {text}), (std::vector<std::string>{"true"}));
}

TEST(ExprRegex, SearchesAnywhereAndReadsUtf8) {
  EXPECT_EQ(over("regexp_matches(a, 'ST')", {"W 14 ST", "AVE"}),
            (std::vector<std::string>{"true", "false"}));
  EXPECT_EQ(over("regexp_matches(a, '^K.ln$')", {"K\xC3\xB6ln", "Koln", "Kln"}),
            (std::vector<std::string>{"true", "true", "false"}));
  EXPECT_EQ(over("regexp_matches(a, '^\\d{4}-\\d{2}$')", {"2017-06", "2017-6"}),
            (std::vector<std::string>{"true", "false"}));
}

TEST(ExprRegex, RefusesBackreferencesWithTheirPosition) {
  const ExprError error = bind_error("regexp_matches(a, '(a)\\1')");
  EXPECT_EQ(error.position, 18u);
  EXPECT_EQ(error.message,
            "invalid regular expression: invalid escape sequence: \\1 (backreferences are not "
            "supported)");
}

TEST(ExprRegex, RefusesLookaroundAndUnbalancedParentheses) {
  EXPECT_EQ(bind_error("regexp_matches(a, 'x(?=y)')").message,
            "invalid regular expression: invalid perl operator: (?= (lookahead and lookbehind are "
            "not supported)");
  EXPECT_EQ(bind_error("regexp_matches(a, '(?<!x)y')").message,
            "invalid regular expression: invalid perl operator: (?< (lookahead and lookbehind "
            "are not supported)");
  EXPECT_EQ(bind_error("regexp_matches(a, '(?<year>\\d+)')").message,
            "invalid regular expression: invalid perl operator: (?< (a named group is written "
            "(?P<name>...))");
  EXPECT_EQ(bind_error("regexp_matches(a, '(\\pL{100}){10}')").message,
            "invalid regular expression: pattern too large - compile failed (a compiled pattern "
            "may use at most 8388608 bytes)");
  EXPECT_EQ(bind_error("regexp_matches(a, '(')").message,
            "invalid regular expression: missing ): (");
}

TEST(ExprRegex, CompileErrorIsAValue) {
  auto regex = Regex::compile("[z-a]");
  ASSERT_FALSE(regex.is_ok());
  EXPECT_EQ(regex.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(regex.status().message(), "invalid character class range: z-a");
  auto ok = Regex::compile("b+");
  ASSERT_TRUE(ok.is_ok());
  EXPECT_TRUE((*ok)->search("abbc"));
  EXPECT_FALSE((*ok)->full_match("abbc"));
  EXPECT_TRUE((*ok)->full_match("bb"));
}

}  // namespace
}  // namespace sluice::expr

namespace sluice {
namespace {

const std::vector<std::string> kGateColumns = {"id", "name"};

JobSpec pattern_spec(const std::string& pattern) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.schema = SchemaSpec{};
  ColumnRule rule;
  rule.name = "name";
  rule.pattern = pattern;
  rule.where = {"job.yaml", 8, "schema.columns.name"};
  spec.schema->columns.push_back(rule);
  return spec;
}

// The reason each row fails the gate ("" when it passes).
std::vector<std::string> gate_reasons(const std::string& pattern,
                                      std::vector<std::vector<std::string>> rows) {
  auto gate = SchemaGate::compile(pattern_spec(pattern), kGateColumns);
  EXPECT_TRUE(gate.is_ok()) << gate.status().message();
  if (!gate.is_ok()) return {};
  testing::BatchRows batch(kGateColumns.size(), std::move(rows));
  std::vector<expr::Vector> vectors;
  std::vector<std::string> reasons;
  gate->run(batch.batch, vectors, reasons);
  return reasons;
}

TEST(SchemaPattern, FullyMatchesFieldsUpToTheDefaultRecordLimit) {
  const std::string long_field(60'000, 'z');
  const std::string record_field(16u << 20, 'm');
  EXPECT_EQ(
      gate_reasons(
          "[a-z]+",
          {{"1", long_field}, {"2", record_field}, {"3", record_field + "9"}, {"4", "ab1"}}),
      (std::vector<std::string>{
          "", "",
          "column \"name\": value \"" + std::string(64, 'm') + "...\" does not match the pattern",
          "column \"name\": value \"ab1\" does not match the pattern"}));
}

TEST(SchemaPattern, MatchesTheWholeFieldNotAPart) {
  EXPECT_EQ(
      gate_reasons("[A-Z]{2}", {{"1", "NJ"}, {"2", "NJX"}, {"3", "xNJ"}}),
      (std::vector<std::string>{"", "column \"name\": value \"NJX\" does not match the pattern",
                                "column \"name\": value \"xNJ\" does not match the pattern"}));
  EXPECT_EQ(gate_reasons("a|ab", {{"1", "ab"}}), (std::vector<std::string>{""}));
}

TEST(SchemaPattern, RefusesABackreferenceNamingTheRule) {
  auto gate = SchemaGate::compile(pattern_spec("(a)\\1"), kGateColumns);
  ASSERT_FALSE(gate.is_ok());
  EXPECT_EQ(gate.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(gate.status().message(),
            "job.yaml:8: schema.columns.name: pattern \"(a)\\1\" is not a valid regular "
            "expression: invalid escape sequence: \\1 (backreferences are not supported)");
}

}  // namespace
}  // namespace sluice
