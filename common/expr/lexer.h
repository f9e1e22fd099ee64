#pragma once
// Splits expression text into tokens. Keywords are not distinguished here:
// the parser compares bare identifiers case-insensitively.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/expr/error.h"

namespace sluice::expr {

enum class TokenKind : uint8_t {
  kIdentifier,        // bare: letters, digits, '_' (not leading digit)
  kQuotedIdentifier,  // "Name With Spaces" ("" escapes a quote)
  kString,            // 'text' ('' escapes a quote)
  kInteger,
  kDecimal,
  kSymbol,  // ( ) , + - * / % || = == != <> < <= > >=
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // unescaped for strings and quoted identifiers
  size_t position = 0;
};

// Returns false and fills `error` on an unterminated literal or a character
// that starts no token.
bool tokenize(std::string_view text, std::vector<Token>& tokens, ExprError& error);

// The one token that starts at `pos` (not a blank, not the end): its kind
// and text into `token` (position = pos), `pos` moved past it. Symbols are
// the two-character ones (|| == != <> <= >=) and the characters of
// `single_symbols`. The SQL lexer (common/sql) reads its tokens with it.
bool read_token(std::string_view text, size_t& pos, std::string_view single_symbols, Token& token,
                ExprError& error);

}  // namespace sluice::expr
