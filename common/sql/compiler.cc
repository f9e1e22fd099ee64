// The SQL compiler's driver, the queries without an aggregate, and the join
// (docs/SQL.md, "How SQL maps to steps").
#include "common/sql/compiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "common/sql/parser.h"
#include "common/sql/sources.h"

namespace sluice::sql {

bool Compiler::fail(size_t position, std::string message) {
  error_ = {position, std::move(message)};
  return false;
}

void Compiler::add_step(const std::string& clause, const char* kind, const YAML::Node& body) {
  YAML::Node step;
  step[kind] = body;
  steps_.push_back(step);
  out_.step_clauses.push_back(clause);
}

bool Compiler::text_of(size_t first, size_t last, const char* clause, bool aggregates,
                       std::string& text, bool* uses_right) {
  RewriteContext context = context_;
  context.clause = clause;
  context.aggregates = aggregates ? &aggregates_ : nullptr;
  context.sources = &out_.expressions;
  Rewritten rewritten;
  if (!rewrite_expression(context, first, last, rewritten, error_)) return false;
  out_.expressions.push_back(ExpressionSource{rewritten.text, rewritten.anchors});
  text = std::move(rewritten.text);
  if (uses_right != nullptr) *uses_right = rewritten.uses_right;
  return true;
}

bool Compiler::name_outputs() {
  for (size_t i = 0; i < q_.items.size(); ++i) {
    const SelectItem& item = q_.items[i];
    OutputColumn output;
    if (item.star) {
      if (i != 0 || has_star_) {
        return fail(item.position, "* must be the first item of the select list");
      }
      has_star_ = true;
      outputs_.push_back(output);
      continue;
    }
    const size_t first = item.expr.first, last = item.expr.last;
    std::string qualifier, column;
    const bool reference = plain_column(s_, first, last, qualifier, column);
    // A column of the input as it is (not of a join's right input).
    output.plain = reference && (qualifier.empty() || qualifier == q_.from.alias);
    if (output.plain) output.column = column;
    output.aggregate = has_aggregate_call(s_, first, last);
    output.key = expression_key(s_, first, last);
    if (!item.alias.empty()) {
      output.name = item.alias;
    } else if (reference) {
      output.name = column;
    } else if (expression_key(s_, first, last) == "ncount\x1fo(\x1fo*\x1fo)\x1f") {
      output.name = "count_star()";
    } else {
      output.name = expression_text(s_, first, last);
    }
    for (const OutputColumn& other : outputs_) {
      if (other.name == output.name) {
        return fail(item.position, fmt::format("the column name \"{}\" is selected twice; name "
                                               "one with AS",
                                               output.name));
      }
    }
    outputs_.push_back(std::move(output));
  }
  return true;
}

std::optional<size_t> Compiler::order_item(const OrderItem& item) const {
  const SqlToken& first = s_.tokens[item.expr.first];
  if (item.expr.last == item.expr.first + 1 && first.kind == TokenKind::kInteger) {
    size_t ordinal = 0;
    std::from_chars(first.text.data(), first.text.data() + first.text.size(), ordinal);
    if (ordinal >= 1 && ordinal <= q_.items.size()) return ordinal - 1;
    return std::nullopt;
  }
  std::string qualifier, name;
  if (plain_column(s_, item.expr.first, item.expr.last, qualifier, name) && qualifier.empty()) {
    for (size_t i = 0; i < outputs_.size(); ++i) {
      if (!q_.items[i].star && outputs_[i].name == name) return i;
    }
  }
  const std::string key = expression_key(s_, item.expr.first, item.expr.last);
  for (size_t i = 0; i < outputs_.size(); ++i) {
    if (!q_.items[i].star && outputs_[i].key == key) return i;
  }
  return std::nullopt;
}

std::vector<SqlExpr> Compiler::conjuncts(const SqlExpr& condition) const {
  std::vector<SqlExpr> parts;
  int depth = 0;
  int between = 0;  // BETWEEN's AND to skip
  size_t start = condition.first;
  for (size_t i = condition.first; i < condition.last; ++i) {
    const SqlToken& token = s_.tokens[i];
    if (token.kind == TokenKind::kSymbol && token.text == "(") ++depth;
    if (token.kind == TokenKind::kSymbol && token.text == ")") --depth;
    if (is_word(token, "case")) ++depth;
    if (is_word(token, "end")) --depth;
    if (depth != 0) continue;
    if (is_word(token, "between")) ++between;
    if (is_word(token, "and")) {
      if (between > 0) {
        --between;
        continue;
      }
      parts.push_back(SqlExpr{start, i, s_.tokens[start].begin});
      start = i + 1;
    }
  }
  parts.push_back(SqlExpr{start, condition.last, s_.tokens[start].begin});
  return parts;
}

bool Compiler::run() {
  context_.statement = &s_;
  context_.left_alias = q_.from.alias;
  YAML::Node input, schema;
  if (!compile_source(q_.from, "input", input, schema, out_, error_)) return false;
  out_.job["input"] = input;
  if (schema.IsMap()) out_.job["schema"] = schema;
  if (s_.copy) {
    YAML::Node output;
    if (!compile_copy(s_, output, out_, error_)) return false;
    out_.job["output"] = output;
  }
  if (!name_outputs()) return false;
  bool aggregate = !q_.group_by.empty() || q_.group_by_all || q_.having.has_value();
  for (const OutputColumn& output : outputs_) aggregate = aggregate || output.aggregate;
  if (q_.transform) {
    if (!compile_transform()) return false;
  } else if (q_.join) {
    if (aggregate) {
      return fail(q_.group_by_position != 0 ? q_.group_by_position : q_.items[0].position,
                  "an aggregate with a JOIN is not supported yet (one exchange per job): write "
                  "the join with COPY … TO, then aggregate its output");
    }
    if (q_.distinct) return fail(q_.distinct_position, "DISTINCT with a JOIN is not supported yet");
    if (!q_.order_by.empty()) {
      return fail(q_.order_by[0].position, "ORDER BY with a JOIN is not supported yet");
    }
    if (q_.limit) return fail(q_.limit_position, "LIMIT with a JOIN is not supported yet");
    if (!compile_join()) return false;
  } else if (aggregate) {
    if (!compile_aggregate()) return false;
  } else if (!compile_rows()) {
    return false;
  }
  if (steps_.size() > 0) out_.job["steps"] = steps_;
  return true;
}

bool Compiler::compile_rows() {
  if (q_.where) {
    std::string text;
    if (!text_of(q_.where->first, q_.where->last, "WHERE", false, text)) return false;
    add_step("WHERE", "filter", YAML::Node(text));
  }
  for (const OrderItem& item : q_.order_by) {
    if (item.nulls_first) {
      return fail(item.nulls_position,
                  "NULLS FIRST is not supported: sluice sorts NULLs last in both directions");
    }
  }
  // ORDER BY runs after the projection when it names only its columns (or,
  // under *, columns that pass through); else before it, on the input's
  // columns and on hidden columns derived for its expressions.
  bool after = true;
  for (const OrderItem& item : q_.order_by) {
    std::string qualifier, name;
    const bool plain = plain_column(s_, item.expr.first, item.expr.last, qualifier, name);
    const bool excluded =
        has_star_ && std::find(q_.items[0].exclude.begin(), q_.items[0].exclude.end(), name) !=
                         q_.items[0].exclude.end();
    if (order_item(item)) continue;
    if (has_star_ && plain && qualifier.empty() && !excluded) continue;
    after = false;
  }
  if (!after && q_.distinct) {
    return fail(q_.order_by[0].position,
                "with SELECT DISTINCT, ORDER BY must name columns of the select list");
  }
  std::vector<std::string> hidden;
  if (!after) {
    YAML::Node derive, sort;
    for (size_t k = 0; k < q_.order_by.size(); ++k) {
      const OrderItem& item = q_.order_by[k];
      const std::optional<size_t> index = order_item(item);
      size_t first = item.expr.first, last = item.expr.last;
      if (index) {
        if (q_.items[*index].star) return fail(item.position, "ORDER BY names the * item");
        first = q_.items[*index].expr.first;
        last = q_.items[*index].expr.last;
      }
      std::string qualifier, column;
      if (!plain_column(s_, first, last, qualifier, column) ||
          (!qualifier.empty() && qualifier != q_.from.alias)) {
        column = "__order_" + std::to_string(k + 1);
        std::string text;
        if (!text_of(first, last, "ORDER BY", false, text)) return false;
        derive[column] = text;
        hidden.push_back(column);
      }
      YAML::Node key;
      key[column] = item.descending ? "desc" : "asc";
      sort.push_back(key);
    }
    if (derive.size() > 0) add_step("ORDER BY", "derive", derive);
    add_step("ORDER BY", "sort", sort);
    if (q_.limit) add_step("LIMIT", "limit", YAML::Node(std::to_string(*q_.limit)));
  }
  if (!compile_projection(hidden)) return false;
  if (q_.distinct) {
    YAML::Node columns(YAML::NodeType::Sequence);
    add_step("DISTINCT", "distinct", columns);
    if (q_.limit && q_.order_by.empty()) {
      return fail(q_.limit_position, "LIMIT after DISTINCT needs an ORDER BY (not supported yet)");
    }
  }
  if (after) return compile_sort_and_limit(q_.distinct);
  return true;
}

bool Compiler::compile_projection(const std::vector<std::string>& hidden) {
  if (has_star_) {
    const SelectItem& star = q_.items[0];
    if (!star.exclude.empty()) {
      YAML::Node drop;
      for (const std::string& column : star.exclude) drop.push_back(column);
      add_step("SELECT * EXCLUDE", "drop", drop);
    }
    YAML::Node derive;
    for (const auto& [value, column] : star.replace) {
      std::string text;
      if (!text_of(value.first, value.last, "SELECT", false, text)) return false;
      derive[column] = text;
    }
    for (size_t i = 1; i < q_.items.size(); ++i) {
      std::string text;
      if (!text_of(q_.items[i].expr.first, q_.items[i].expr.last, "SELECT", false, text))
        return false;
      if (derive[outputs_[i].name]) {
        return fail(q_.items[i].position,
                    fmt::format("\"{}\" is set twice (REPLACE and AS)", outputs_[i].name));
      }
      derive[outputs_[i].name] = text;
    }
    if (derive.size() > 0) add_step("SELECT", "derive", derive);
    if (!hidden.empty()) {
      YAML::Node drop;
      for (const std::string& column : hidden) drop.push_back(column);
      add_step("ORDER BY", "drop", drop);
    }
    return true;
  }
  YAML::Node select;
  for (size_t i = 0; i < q_.items.size(); ++i) {
    std::string text;
    if (!text_of(q_.items[i].expr.first, q_.items[i].expr.last, "SELECT", false, text))
      return false;
    select[outputs_[i].name] = text;
  }
  add_step("SELECT", "select", select);
  return true;
}

bool Compiler::compile_sort_and_limit(bool after_aggregate) {
  if (!q_.order_by.empty()) {
    YAML::Node sort;
    for (const OrderItem& item : q_.order_by) {
      if (item.nulls_first) {
        return fail(item.nulls_position,
                    "NULLS FIRST is not supported: sluice sorts NULLs last in both directions");
      }
      std::string name;
      if (const std::optional<size_t> index = order_item(item)) {
        if (q_.items[*index].star) return fail(item.position, "ORDER BY names the * item");
        name = outputs_[*index].name;
      } else if (std::string qualifier;
                 !after_aggregate && has_star_ &&
                 plain_column(s_, item.expr.first, item.expr.last, qualifier, name)) {
      } else {
        return fail(item.position,
                    after_aggregate
                        ? "ORDER BY after GROUP BY or DISTINCT must name a column of the select "
                          "list (by name, alias or position); other expressions are not "
                          "supported yet"
                        : "ORDER BY must name a column");
      }
      YAML::Node key;
      key[name] = item.descending ? "desc" : "asc";
      sort.push_back(key);
    }
    add_step("ORDER BY", "sort", sort);
  }
  if (q_.limit) {
    if (after_aggregate && q_.order_by.empty()) {
      return fail(q_.limit_position,
                  "LIMIT after GROUP BY or DISTINCT needs an ORDER BY (not supported yet)");
    }
    add_step("LIMIT", "limit", YAML::Node(std::to_string(*q_.limit)));
  }
  return true;
}

bool Compiler::compile_join() {
  const JoinClause& join = *q_.join;
  context_.right_alias = join.source.alias;
  context_.right_keeps_names = has_star_;
  context_.right_columns = &right_columns_;
  if (!context_.right_alias.empty() && context_.right_alias == context_.left_alias) {
    return fail(join.source.position, "the two inputs need different aliases");
  }
  // Messages name it steps[i].join.input.…; the key matches them whatever i.
  const std::string key = "join.input";
  YAML::Node body, input, schema;
  if (!compile_source(join.source, key + ".input", input, schema, out_, error_)) return false;
  if (schema.IsMap()) input["schema"] = schema;
  body["input"] = input;
  YAML::Node on;
  for (const std::string& column : join.using_columns) on[column] = column;
  if (join.on) {
    for (const SqlExpr& part : conjuncts(*join.on)) {
      size_t equals = part.first;
      while (equals < part.last &&
             !(s_.tokens[equals].kind == TokenKind::kSymbol && s_.tokens[equals].text == "=")) {
        ++equals;
      }
      std::string lq, left, rq, right;
      if (equals == part.last || !plain_column(s_, part.first, equals, lq, left) ||
          !plain_column(s_, equals + 1, part.last, rq, right)) {
        return fail(part.position,
                    "a join condition must be equalities of columns joined by AND: "
                    "ON a.x = b.y AND a.z = b.w");
      }
      if (lq == context_.right_alias && rq != context_.right_alias) {
        std::swap(lq, rq);
        std::swap(left, right);
      }
      if (context_.right_alias.empty() || rq != context_.right_alias ||
          (!lq.empty() && lq != context_.left_alias)) {
        return fail(part.position,
                    "name each side of the condition with its input's alias: FROM 'a.csv' AS a "
                    "JOIN 'b.csv' AS b ON a.x = b.y");
      }
      if (on[left]) return fail(part.position, "a left column is joined twice");
      on[left] = right;
    }
  }
  body["on"] = on;
  body["how"] = join_how_name(join.how);
  // WHERE's conditions on the left input alone run before the join, in the
  // left map tasks; the rest after it (over text), as do all of them when
  // the join keeps unmatched right rows.
  std::vector<std::string> before, after;
  if (q_.where) {
    const bool push = join.how != JoinHow::kRight && join.how != JoinHow::kFull;
    for (const SqlExpr& part : conjuncts(*q_.where)) {
      std::string text;
      bool uses_right = false;
      if (!text_of(part.first, part.last, "WHERE", false, text, &uses_right)) return false;
      (push && !uses_right ? before : after).push_back("(" + text + ")");
    }
  }
  const auto joined = [](const std::vector<std::string>& parts) {
    std::string text;
    for (const std::string& part : parts) text += (text.empty() ? "" : " AND ") + part;
    return text;
  };
  if (!before.empty()) add_step("WHERE", "filter", YAML::Node(joined(before)));
  const size_t join_index = steps_.size();
  add_step("JOIN", "join", body);
  if (!after.empty()) add_step("WHERE", "filter", YAML::Node(joined(after)));
  if (!compile_projection({})) return false;
  if (join.how == JoinHow::kSemi || join.how == JoinHow::kAnti) {
    if (!right_columns_.empty()) {
      return fail(join.position,
                  "a SEMI or ANTI join keeps only the left input's columns; the query names "
                  "the right input's");
    }
  } else if (!has_star_) {
    YAML::Node columns(YAML::NodeType::Map);
    for (const std::string& column : right_columns_) {
      columns[context_.right_alias + "." + column] = column;
    }
    steps_[join_index]["join"]["columns"] = columns;
  }
  if (!has_star_) project_before_join(join_index, on);
  return true;
}

void Compiler::project_before_join(size_t join_index, const YAML::Node& on) {
  // Only the left columns the join and the steps after it read go through
  // the exchange (as W6's job file selects them first).
  std::vector<std::string> names;
  for (const auto& entry : on) names.push_back(entry.first.as<std::string>());
  for (size_t i = join_index + 1; i < steps_.size(); ++i) {
    const YAML::Node step = steps_[i];
    if (step["filter"]) columns_of(step["filter"].Scalar(), names);
    if (step["select"]) {
      for (const auto& entry : step["select"]) columns_of(entry.second.Scalar(), names);
    }
  }
  YAML::Node columns(YAML::NodeType::Sequence);
  const std::string right_prefix = context_.right_alias + ".";
  for (const std::string& name : names) {
    if (!name.starts_with(right_prefix)) columns.push_back(name);
  }
  YAML::Node select;
  select["select"] = columns;
  YAML::Node steps(YAML::NodeType::Sequence);
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (i == join_index) steps.push_back(select);
    steps.push_back(steps_[i]);
  }
  steps_ = steps;
  out_.step_clauses.insert(out_.step_clauses.begin() + static_cast<std::ptrdiff_t>(join_index),
                           "SELECT");
}

bool compile_sql(std::string_view text, CompiledSql& out, expr::ExprError& error) {
  out = CompiledSql();
  out.statement_bytes = text.size();
  Statement statement;
  if (!parse_statement(text, statement, error)) return false;
  Compiler compiler(statement, out, error);
  return compiler.run();
}

}  // namespace sluice::sql
