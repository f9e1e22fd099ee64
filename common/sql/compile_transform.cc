// SELECT TRANSFORM (…) USING 'command' AS (…): Spark's script transform,
// compiled into the `exec` step (docs/SQL.md, "Scripts: TRANSFORM").
#include <fmt/format.h>

#include <charconv>

#include "common/expr/types.h"
#include "common/sql/compiler.h"

namespace sluice::sql {
namespace {

// The command as words, as a shell splits them but with nothing expanded:
// blanks separate words, '…' is literal, "…" takes \" and \\, a backslash
// outside quotes takes the next character. No shell runs the command.
bool split_command(const std::string& text, std::vector<std::string>& words, std::string& error) {
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
    } else if (c == '\'' || c == '"') {
      const size_t end = text.find(c, i + 1);
      if (end == std::string::npos) {
        error = fmt::format("the command has an unclosed {} quote", c == '"' ? "double" : "single");
        return false;
      }
      for (size_t k = i + 1; k < end; ++k) {
        if (c == '"' && text[k] == '\\' && k + 1 < end &&
            (text[k + 1] == '"' || text[k + 1] == '\\')) {
          ++k;
        }
        word += text[k];
      }
      i = end;
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) error = "the command is empty";
  return !words.empty();
}

}  // namespace

bool Compiler::compile_transform() {
  const TransformClause& transform = *q_.transform;
  for (const OutputColumn& output : outputs_) {
    if (output.aggregate) {
      return fail(transform.position,
                  "an aggregate in TRANSFORM is not supported: aggregate the script's output in "
                  "a second query");
    }
  }
  if (!q_.group_by.empty() || q_.group_by_all || q_.having) {
    return fail(q_.group_by_position != 0 ? q_.group_by_position : transform.position,
                "GROUP BY with TRANSFORM is not supported: aggregate the script's output in a "
                "second query");
  }
  if (q_.join) {
    if (!q_.order_by.empty()) {
      return fail(q_.order_by[0].position, "ORDER BY with a JOIN is not supported yet");
    }
    if (q_.limit) return fail(q_.limit_position, "LIMIT with a JOIN is not supported yet");
    if (!compile_join()) return false;
  } else {
    if (q_.where) {
      std::string text;
      if (!text_of(q_.where->first, q_.where->last, "WHERE", false, text)) return false;
      add_step("WHERE", "filter", YAML::Node(text));
    }
    if (!compile_projection({})) return false;
  }
  YAML::Node exec;
  std::vector<std::string> argv;
  std::string message;
  if (!split_command(transform.command, argv, message)) {
    return fail(transform.command_position, message);
  }
  for (const std::string& word : argv) exec["command"].push_back(word);
  const std::string key = "exec.";
  out_.key_positions.emplace_back(key + "command", transform.command_position);
  for (const std::string& column : transform.columns) exec["columns"].push_back(column);
  if (!transform.columns.empty()) {
    out_.key_positions.emplace_back(key + "columns", transform.position);
  }
  for (const SqlOption& option : transform.options) {
    if (option.name != "batch_rows" && option.name != "timeout" && option.name != "max_attempts") {
      return fail(option.position,
                  fmt::format("unknown option \"{}\" of TRANSFORM (batch_rows, timeout, "
                              "max_attempts)",
                              option.name));
    }
    if (option.value.kind != SqlValue::Kind::kString &&
        option.value.kind != SqlValue::Kind::kNumber) {
      return fail(option.value.position, "expected a number or a duration in quotes");
    }
    exec[option.name] = option.value.text;
    out_.key_positions.emplace_back(key + option.name, option.value.position);
  }
  add_step("TRANSFORM", "exec", exec);
  // AS (name type): the script answers text; typed columns are cast back.
  YAML::Node cast;
  bool typed = false;
  for (size_t i = 0; i < transform.columns.size(); ++i) {
    const std::string quoted = quote_name(transform.columns[i]);
    if (transform.types[i].empty()) {
      cast[transform.columns[i]] = quoted;
      continue;
    }
    if (!expr::parse_type_name(transform.types[i])) {
      return fail(transform.type_positions[i],
                  fmt::format("unknown type \"{}\" (string, int64, float64, bool, date, "
                              "timestamp, …)",
                              transform.types[i]));
    }
    typed = true;
    cast[transform.columns[i]] = fmt::format("CAST({} AS {})", quoted, transform.types[i]);
  }
  if (typed) add_step("TRANSFORM", "select", cast);
  return compile_transform_order();
}

// ORDER BY and LIMIT over the script's output: by its column names (or
// positions in AS (…)).
bool Compiler::compile_transform_order() {
  const TransformClause& transform = *q_.transform;
  YAML::Node sort;
  for (const OrderItem& item : q_.order_by) {
    if (item.nulls_first) {
      return fail(item.nulls_position,
                  "NULLS FIRST is not supported: sluice sorts NULLs last in both directions");
    }
    const SqlToken& first = s_.tokens[item.expr.first];
    std::string qualifier, name;
    size_t ordinal = 0;
    if (item.expr.last == item.expr.first + 1 && first.kind == TokenKind::kInteger) {
      std::from_chars(first.text.data(), first.text.data() + first.text.size(), ordinal);
      if (ordinal < 1 || ordinal > transform.columns.size()) {
        return fail(item.position, "ORDER BY's position is not one of TRANSFORM's AS (…) columns");
      }
      name = transform.columns[ordinal - 1];
    } else if (!plain_column(s_, item.expr.first, item.expr.last, qualifier, name) ||
               !qualifier.empty()) {
      return fail(item.position, "ORDER BY after TRANSFORM must name a column of its output");
    }
    YAML::Node sort_key;
    sort_key[name] = item.descending ? "desc" : "asc";
    sort.push_back(sort_key);
  }
  if (sort.size() > 0) add_step("ORDER BY", "sort", sort);
  if (q_.limit) add_step("LIMIT", "limit", YAML::Node(std::to_string(*q_.limit)));
  return true;
}

}  // namespace sluice::sql
