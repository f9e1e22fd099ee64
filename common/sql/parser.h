#pragma once
// Recursive descent over a SQL statement's tokens (DuckDB's syntax where it
// applies): SELECT [DISTINCT] … FROM source [JOIN source ON …] [WHERE …]
// [GROUP BY …] [HAVING …] [ORDER BY …] [LIMIT n], optionally inside
// COPY (…) TO 'dir' (options). Expressions are delimited, not parsed: the
// compiler hands them to the expression language (docs/SQL.md).

#include <string_view>

#include "common/expr/error.h"
#include "common/sql/ast.h"

namespace sluice::sql {

// Returns false with `error` (a byte offset in `text` and a message) when
// the statement is not one sluice reads.
bool parse_statement(std::string_view text, Statement& statement, expr::ExprError& error);

// Case-insensitive comparison with a lower-case keyword.
bool is_word(const SqlToken& token, std::string_view lower_word);

}  // namespace sluice::sql
