// GROUP BY queries (and aggregates over all rows): WHERE → filter, group
// expressions → derive, the aggregate step, HAVING → filter, the select
// list → select over the groups, then DISTINCT, ORDER BY and LIMIT
// (docs/SQL.md, "How SQL maps to steps").
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "common/sql/compiler.h"
#include "common/sql/parser.h"

namespace sluice::sql {

bool Compiler::compile_aggregate() {
  if (has_star_) {
    return fail(q_.items[0].position, "SELECT * with GROUP BY or an aggregate: name the columns");
  }
  if (q_.where) {
    std::string text;
    if (!text_of(q_.where->first, q_.where->last, "WHERE", false, text)) return false;
    add_step("WHERE", "filter", YAML::Node(text));
  }
  // The group columns, and for each select item the group column it is.
  std::vector<std::string> by;
  std::vector<std::string> item_group(q_.items.size());
  YAML::Node derive;
  const auto group_by_item = [&](size_t index, size_t position) {
    const OutputColumn& output = outputs_[index];
    if (output.aggregate) {
      return fail(position, "GROUP BY names an aggregate of the select list");
    }
    std::string name = output.plain ? output.column : output.name;
    if (!output.plain) {
      std::string text;
      const SqlExpr& value = q_.items[index].expr;
      if (!text_of(value.first, value.last, "GROUP BY", false, text)) return false;
      derive[name] = text;
    }
    if (std::find(by.begin(), by.end(), name) == by.end()) by.push_back(name);
    item_group[index] = name;
    return true;
  };
  if (q_.group_by_all) {
    for (size_t i = 0; i < q_.items.size(); ++i) {
      if (!outputs_[i].aggregate && !group_by_item(i, q_.items[i].position)) return false;
    }
  }
  for (size_t g = 0; g < q_.group_by.size(); ++g) {
    const SqlExpr& key = q_.group_by[g];
    const SqlToken& first = s_.tokens[key.first];
    if (key.last == key.first + 1 && first.kind == TokenKind::kInteger) {
      size_t ordinal = 0;
      std::from_chars(first.text.data(), first.text.data() + first.text.size(), ordinal);
      if (ordinal < 1 || ordinal > q_.items.size()) {
        return fail(key.position, fmt::format("GROUP BY {}: the select list has {} items",
                                              first.text, q_.items.size()));
      }
      if (!group_by_item(ordinal - 1, key.position)) return false;
      continue;
    }
    std::string qualifier, name;
    const bool plain = plain_column(s_, key.first, key.last, qualifier, name);
    const std::string text_key = expression_key(s_, key.first, key.last);
    std::optional<size_t> item;
    for (size_t i = 0; i < outputs_.size() && !item; ++i) {
      // An alias names its item, unless the item is that very column.
      if (plain && qualifier.empty() && q_.items[i].alias == name &&
          !(outputs_[i].plain && outputs_[i].column == name)) {
        item = i;
      }
      if (outputs_[i].key == text_key) item = i;
    }
    if (item) {
      if (!group_by_item(*item, key.position)) return false;
      continue;
    }
    if (!plain) {
      name = "__group_" + std::to_string(g + 1);
      std::string text;
      if (!text_of(key.first, key.last, "GROUP BY", false, text)) return false;
      derive[name] = text;
    }
    if (std::find(by.begin(), by.end(), name) == by.end()) by.push_back(name);
  }
  if (derive.size() > 0) add_step("GROUP BY", "derive", derive);
  // Every other column of the select list must be a group column.
  for (size_t i = 0; i < q_.items.size(); ++i) {
    if (!item_group[i].empty() || outputs_[i].aggregate) continue;
    if (outputs_[i].plain) {
      if (std::find(by.begin(), by.end(), outputs_[i].column) == by.end()) {
        return fail(q_.items[i].position,
                    fmt::format("column \"{}\" must be in GROUP BY or inside an aggregate "
                                "function",
                                outputs_[i].column));
      }
      item_group[i] = outputs_[i].column;
    }
  }
  // The select list and HAVING over the groups: aggregate calls become the
  // aggregate's columns (collected while rewriting).
  YAML::Node select;
  for (size_t i = 0; i < q_.items.size(); ++i) {
    std::string text;
    if (!item_group[i].empty()) {
      text = quote_name(item_group[i]);
    } else if (!text_of(q_.items[i].expr.first, q_.items[i].expr.last, "SELECT", true, text)) {
      return false;
    }
    select[outputs_[i].name] = text;
  }
  std::string having;
  if (q_.having && !text_of(q_.having->first, q_.having->last, "HAVING", true, having)) {
    return false;
  }
  YAML::Node aggregate;
  if (aggregates_.calls.empty()) {
    // GROUP BY without aggregates: the distinct groups.
    for (const std::string& column : by) aggregate.push_back(column);
    add_step("GROUP BY", "distinct", aggregate);
  } else {
    if (!by.empty()) {
      for (const std::string& column : by) aggregate["by"].push_back(column);
    }
    for (const AggregateCall& call : aggregates_.calls) aggregate["aggs"][call.name] = call.call;
    add_step(by.empty() ? "SELECT" : "GROUP BY", "aggregate", aggregate);
  }
  if (!having.empty()) add_step("HAVING", "filter", YAML::Node(having));
  add_step("SELECT", "select", select);
  if (q_.distinct) add_step("DISTINCT", "distinct", YAML::Node(YAML::NodeType::Sequence));
  return compile_sort_and_limit(true);
}

}  // namespace sluice::sql
