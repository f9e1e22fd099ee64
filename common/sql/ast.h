#pragma once
// A SQL statement as the parser reads it (parser.h). Expressions stay text:
// each is a run of tokens of the statement, compiled later by the
// expression language (common/expr) once the compiler has rewritten what
// only SQL has (aggregate calls, table qualifiers). Positions are byte
// offsets in the statement, for errors with a caret.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/spec/job_spec.h"
#include "common/sql/lexer.h"

namespace sluice::sql {

// Tokens [first, last) of the statement: one expression as written.
struct SqlExpr {
  size_t first = 0;
  size_t last = 0;
  size_t position = 0;  // byte offset of its first token
};

// A table function's argument or a COPY option's value: 'text', 42, true,
// a bare word, ['a', 'b'] or {'name': 'type', …}.
struct SqlValue {
  enum class Kind { kString, kNumber, kWord, kList, kMap };
  Kind kind = Kind::kString;
  std::string text;               // kString, kNumber, kWord
  std::vector<SqlValue> items;    // kList; kMap: the values
  std::vector<std::string> keys;  // kMap: the keys
  size_t position = 0;
};

struct SqlOption {
  std::string name;  // lower case
  SqlValue value;
  size_t position = 0;
};

// FROM 'glob' | read_csv('path', delim=';', …) | read_json(…) | postgres_query(…)
struct SqlSource {
  std::string function;             // lower case; empty for a quoted path
  std::vector<SqlValue> arguments;  // positional (a path: its one string)
  std::vector<SqlOption> options;   // name = value
  std::string alias;                // AS t (empty when none)
  size_t position = 0;
};

struct SelectItem {
  bool star = false;                 // * [EXCLUDE (…)] [REPLACE (expr AS name, …)]
  std::vector<std::string> exclude;  // star only
  std::vector<std::pair<SqlExpr, std::string>> replace;  // star only
  SqlExpr expr;                                          // not star
  std::string alias;                                     // AS name (empty when none)
  size_t position = 0;
};

struct OrderItem {
  SqlExpr expr;
  bool descending = false;
  bool nulls_first = false;
  size_t nulls_position = 0;  // 0: NULLS not written
  size_t position = 0;
};

struct JoinClause {
  JoinHow how = JoinHow::kInner;
  SqlSource source;
  std::optional<SqlExpr> on;
  std::vector<std::string> using_columns;
  size_t position = 0;
};

// SELECT TRANSFORM (items) USING 'command' [AS (name [type], …)]
// [WITH (batch_rows 500, timeout '10s', max_attempts 2)]: Spark's script
// transform, run as an `exec` step.
struct TransformClause {
  std::string command;
  size_t command_position = 0;
  std::vector<std::string> columns;  // AS (…); empty: the items' names
  std::vector<std::string> types;    // parallel to columns; "" when none given
  std::vector<size_t> type_positions;
  std::vector<SqlOption> options;
  size_t position = 0;
};

struct SelectStatement {
  bool distinct = false;
  size_t distinct_position = 0;
  std::vector<SelectItem> items;  // with TRANSFORM: its items
  std::optional<TransformClause> transform;
  SqlSource from;
  std::optional<JoinClause> join;
  std::optional<SqlExpr> where;
  std::vector<SqlExpr> group_by;
  bool group_by_all = false;
  size_t group_by_position = 0;
  std::optional<SqlExpr> having;
  std::vector<OrderItem> order_by;
  std::optional<uint64_t> limit;
  size_t limit_position = 0;
};

struct Statement {
  std::string text;  // the statement as given
  std::vector<SqlToken> tokens;
  SelectStatement select;
  // COPY (SELECT …) TO 'path' (FORMAT parquet, PARTITION_BY (col), …)
  bool copy = false;
  std::string copy_path;
  size_t copy_path_position = 0;
  std::vector<SqlOption> copy_options;
};

}  // namespace sluice::sql
