#pragma once
// SQL expressions → the expression language's text (common/expr). The
// tokens of one expression are written out again with what only SQL has
// rewritten: table qualifiers (`t.col`), and aggregate calls (`sum(x)`,
// `count(*)`, `count(DISTINCT x)`), which become references to the columns
// an `aggregate` step makes. The result is parsed by common/expr at once, so
// a syntax error points at its place in the statement.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "common/expr/error.h"
#include "common/sql/ast.h"
#include "common/sql/sql.h"

namespace sluice::sql {

// One aggregate call of the query: `function(argument)` as an aggregate
// step's aggs entry reads it, and the column it becomes.
struct AggregateCall {
  std::string call;  // "count(*)", "sum(\"Fine\")", "count_distinct(x)"
  std::string name;  // the aggregate's column: "__agg_1", …
};

struct Aggregates {
  std::vector<AggregateCall> calls;
  // The column of `call`, adding it when new.
  const std::string& column_of(const std::string& call);
};

struct RewriteContext {
  const Statement* statement = nullptr;
  std::string left_alias;   // FROM's alias (may be empty)
  std::string right_alias;  // a JOIN's input's alias (empty: no join)
  // A join's right columns keep their names (SELECT *): `r.c` is "c";
  // else `r.c` is the kept column "r.c", listed in right_columns.
  bool right_keeps_names = false;
  std::vector<std::string>* right_columns = nullptr;
  Aggregates* aggregates = nullptr;  // null: no aggregate calls allowed here
  // Where each aggregate call's text came from (may be null).
  std::vector<ExpressionSource>* sources = nullptr;
  const char* clause = "";  // for messages: "WHERE", "GROUP BY", …
};

struct Rewritten {
  std::string text;
  bool uses_right = false;  // names a column of the join's right input
  // (offset in text, offset in the statement), ascending: error positions.
  std::vector<std::pair<size_t, size_t>> anchors;
  size_t original(size_t position) const;
};

// Rewrites tokens [first, last) and checks the result parses; false with
// `error` at the statement's position otherwise.
bool rewrite_expression(const RewriteContext& context, size_t first, size_t last, Rewritten& out,
                        expr::ExprError& error);

// Whether tokens [first, last) hold an aggregate call (`sum(`, `count(`, …).
bool has_aggregate_call(const Statement& statement, size_t first, size_t last);

// Appends the columns `text` (the expression language) names, in order of
// first appearance, to `names` (once each). Nothing when it does not parse.
void columns_of(const std::string& text, std::vector<std::string>& names);

// `"name"` with quotes doubled: a column reference for any name.
std::string quote_name(const std::string& name);

// Whether tokens [first, last) are one column reference (`col`, `"Col"`,
// `t.col`): fills the qualifier (maybe empty) and the name.
bool plain_column(const Statement& statement, size_t first, size_t last, std::string& qualifier,
                  std::string& name);

// A key that is equal for two expressions written alike (case of bare
// names and keywords, quoting of names, spacing and comments aside).
std::string expression_key(const Statement& statement, size_t first, size_t last);

// The expression as written, blanks collapsed: a column's name when the
// query gives none (as DuckDB names `upper(x)`).
std::string expression_text(const Statement& statement, size_t first, size_t last);

}  // namespace sluice::sql
