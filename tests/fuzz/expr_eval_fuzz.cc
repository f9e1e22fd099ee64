// libFuzzer target: the expression language compiled and evaluated over long
// and hostile strings. The input is two option bytes, then fields split at
// 0x1F: a pattern (or, for one template, the whole expression text) and the
// values of the string columns a, b, c.
//   byte 0: the expression template (regexp_matches, LIKE, replace, substr,
//           concat, concat_ws, strptime, CAST, CASE, ... or the raw text);
//   byte 1: bit 7 repeats each value to at least kRepeatedBytesMin (fields
//           longer than any stack std::regex could recurse through); the
//           low bits are the integer column n (substr's start and length).
// Every template is evaluated over three rows (a, b, c), (c, a, b) and one
// of NULLs, and its values are rendered. Three templates are also checked
// against an oracle: a quoted regular expression and LIKE '%p%' must agree
// with contains() on valid UTF-8. A crash, a sanitizer report or a
// disagreement aborts (libFuzzer saves the input). Built only with
// -DSLUICE_FUZZ=ON and clang (scripts/fuzz.sh).
#include <re2/re2.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/utf8.h"
#include "common/expr/expression.h"

namespace {

using namespace sluice::expr;

constexpr size_t kOptionBytes = 2;
constexpr char kFieldSeparator = '\x1F';
// Repeated values reach this size (issue 20: a 60,000-byte field crashed std::regex).
constexpr size_t kRepeatedBytesMin = 100u << 10;
// With repeated values, patterns are cut to this many bytes: LIKE costs
// text x pattern, and a fuzzer needs many runs a second.
constexpr size_t kRepeatedPatternBytesMax = 256;
constexpr int kTemplates = 20;

[[noreturn]] void fail(const char* what, const std::string& expression) {
  std::fprintf(stderr, "expr_eval_fuzz: %s\nexpression: %.400s\n", what, expression.c_str());
  std::abort();
}

// A SQL string literal: quotes doubled.
std::string literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  out += '\'';
  return out;
}

bool is_utf8(std::string_view text) {
  return sluice::find_invalid_utf8(text) == std::string_view::npos;
}

std::string expression_text(int which, const std::string& pattern) {
  const std::string p = literal(pattern);
  switch (which) {
    case 0:
      return "regexp_matches(a, " + p + ")";
    case 1:
      return "a LIKE " + p;
    case 2:
      return "a NOT LIKE " + p + " OR b LIKE " + p;
    case 3:
      return "replace(a, " + p + ", b)";
    case 4:
      return "replace(a, b, " + p + ")";
    case 5:
      return "substr(a, n)";
    case 6:
      return "substr(a, n, n * 7 - 3) || substr(b, -n)";
    case 7:
      return "concat(a, " + p + ", b, n, c) || a";
    case 8:
      return "concat_ws(" + p + ", a, b, NULL, c)";
    case 9:
      return "concat(upper(a), lower(b), trim(c), length(a), length(" + p + "))";
    case 10:
      return "starts_with(a, " + p + ") OR contains(b, " + p + ") OR contains(a, b)";
    case 11:
      return "CASE WHEN regexp_matches(a, " + p + ") THEN upper(b) ELSE replace(c, a, " + p +
             ") END";
    case 12:
      return "strptime(a, " + p + ")";
    case 13:
      return "concat(CAST(a AS int64), CAST(b AS float64), CAST(c AS date), "
             "CAST(a AS timestamp), CAST(b AS bool))";
    case 14:
      return pattern;  // the raw text: lexer, parser, binder, folding, evaluation
    case 15:
      return "regexp_matches(a, " + literal(re2::RE2::QuoteMeta(pattern)) + ")";
    case 16:
      return "a LIKE " + literal("%" + pattern + "%");
    case 17:
      return "coalesce(nullif(a, " + p + "), b) || coalesce(NULL, c, " + p + ")";
    case 18:
      return "regexp_matches(replace(a, b, c), " + p + ") AND length(a) > n AND a <> " + p;
    default:
      return "regexp_matches(a || b, " + p + ") = regexp_matches(c, " + p + ")";
  }
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (fields.size() < 3) {
    const size_t end = text.find(kFieldSeparator, start);
    if (end == std::string_view::npos) break;
    fields.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  fields.emplace_back(text.substr(start));
  fields.resize(4);
  return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kOptionBytes) return 0;
  const int which = data[0] % kTemplates;
  const bool repeat = (data[1] & 0x80) != 0;
  const int64_t n = static_cast<int8_t>(data[1] << 1) / 2;  // -64 ... 63
  std::vector<std::string> fields = split(
      std::string_view(reinterpret_cast<const char*>(data) + kOptionBytes, size - kOptionBytes));
  std::string pattern = std::move(fields[0]);
  std::vector<std::string> values(fields.begin() + 1, fields.end());
  if (repeat) {
    if (which != 14 && pattern.size() > kRepeatedPatternBytesMax) {
      pattern.resize(kRepeatedPatternBytesMax);
    }
    for (std::string& value : values) {
      if (value.empty()) value = "a";
      const std::string unit = value;
      while (value.size() < kRepeatedBytesMin) value += unit;
    }
  }

  const std::string text = expression_text(which, pattern);
  auto expression = Expression::compile(
      text, {{"a", Type::kString}, {"b", Type::kString}, {"c", Type::kString}, {"n", Type::kInt64}},
      "fuzz");
  if (!expression.is_ok()) {
    if (which == 15 && is_utf8(pattern)) fail("a quoted pattern did not compile", text);
    return 0;
  }

  constexpr size_t kRows = 3;
  const std::optional<std::string_view> rows[kRows][3] = {
      {values[0], values[1], values[2]},
      {values[2], values[0], values[1]},
      {std::nullopt, std::nullopt, std::nullopt}};
  std::vector<Vector> columns(4);
  for (size_t c = 0; c < 3; ++c) {
    columns[c].reset(Type::kString, kRows);
    for (size_t r = 0; r < kRows; ++r) {
      columns[c].valid[r] = rows[r][c].has_value();
      columns[c].strings[r] = rows[r][c].value_or(std::string_view());
    }
  }
  columns[3].reset(Type::kInt64, kRows);
  for (size_t r = 0; r < kRows; ++r) {
    columns[3].valid[r] = r + 1 < kRows;
    columns[3].ints[r] = n;
  }

  std::deque<std::string> storage;
  StringArena arena(&storage);
  EvalBatch batch;
  batch.row_count = kRows;
  batch.arena = &arena;
  for (const Vector& column : columns) batch.columns.push_back(&column);
  const Selection selection = {0, 1, 2};
  const Vector& result = expression->evaluate(batch, selection);
  size_t rendered_bytes = 0;
  for (size_t r = 0; r < kRows; ++r) {
    if (!result.is_null(r)) rendered_bytes += render_value(result, r, arena).size();
  }
  if (rendered_bytes > (1u << 30)) fail("implausible output size", text);

  // Oracles: on valid UTF-8, a quoted pattern and LIKE '%p%' are contains().
  const bool pattern_is_plain = pattern.find_first_of("%_") == std::string::npos;
  if ((which == 15 || (which == 16 && pattern_is_plain)) && is_utf8(pattern)) {
    for (size_t r = 0; r + 1 < kRows; ++r) {
      const std::string_view a = *rows[r][0];
      if (!is_utf8(a)) continue;
      const bool expected = a.find(pattern) != std::string_view::npos;
      if (result.is_null(r) || (result.ints[r] != 0) != expected) {
        fail(which == 15 ? "quoted regexp_matches disagrees with contains"
                         : "LIKE '%p%' disagrees with contains",
             text);
      }
    }
  }
  return 0;
}
