#pragma once
// Splits a SQL statement into tokens: the expression language's tokens
// (common/expr/lexer.h) plus what a statement needs around expressions —
// `.` (qualified names), `;`, `[ ] { } :` (lists and option maps of table
// functions) — and `--` / `/* */` comments. Each token keeps its byte range
// in the statement, so an expression is cut from the text as written and
// errors point into the statement.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/expr/lexer.h"

namespace sluice::sql {

using expr::TokenKind;

struct SqlToken {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // unescaped for strings and quoted identifiers
  size_t begin = 0;  // byte offsets in the statement: [begin, end)
  size_t end = 0;
};

// Returns false and fills `error` (position: a byte offset) on an
// unterminated literal or comment, or a character that starts no token.
bool tokenize_sql(std::string_view text, std::vector<SqlToken>& tokens, expr::ExprError& error);

}  // namespace sluice::sql
