#include "common/expr/lexer.h"

#include <fmt/format.h>

namespace sluice::expr {
namespace {

bool is_identifier_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads a literal closed by `quote`, where a doubled quote stands for one.
bool read_quoted(std::string_view text, size_t& pos, char quote, std::string& out) {
  ++pos;  // opening quote
  while (pos < text.size()) {
    if (text[pos] == quote) {
      if (pos + 1 < text.size() && text[pos + 1] == quote) {
        out += quote;
        pos += 2;
        continue;
      }
      ++pos;
      return true;
    }
    out += text[pos++];
  }
  return false;
}

}  // namespace

bool read_token(std::string_view text, size_t& pos, std::string_view single_symbols, Token& token,
                ExprError& error) {
  token.position = pos;
  const char c = text[pos];
  if (c == '\'' || c == '"') {
    token.kind = c == '\'' ? TokenKind::kString : TokenKind::kQuotedIdentifier;
    if (!read_quoted(text, pos, c, token.text)) {
      error = {token.position,
               c == '\'' ? "unterminated string literal" : "unterminated quoted identifier"};
      return false;
    }
    if (token.kind == TokenKind::kQuotedIdentifier && token.text.empty()) {
      error = {token.position, "empty quoted identifier"};
      return false;
    }
  } else if (is_identifier_start(c)) {
    token.kind = TokenKind::kIdentifier;
    while (pos < text.size() && (is_identifier_start(text[pos]) || is_digit(text[pos]))) ++pos;
    token.text = std::string(text.substr(token.position, pos - token.position));
  } else if (is_digit(c) || (c == '.' && pos + 1 < text.size() && is_digit(text[pos + 1]))) {
    token.kind = TokenKind::kInteger;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    if (pos < text.size() && text[pos] == '.') {
      token.kind = TokenKind::kDecimal;
      ++pos;
      while (pos < text.size() && is_digit(text[pos])) ++pos;
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
      size_t exponent = pos + 1;
      if (exponent < text.size() && (text[exponent] == '+' || text[exponent] == '-')) ++exponent;
      if (exponent < text.size() && is_digit(text[exponent])) {
        token.kind = TokenKind::kDecimal;
        pos = exponent;
        while (pos < text.size() && is_digit(text[pos])) ++pos;
      }
    }
    if (pos < text.size() && is_identifier_start(text[pos])) {
      error = {pos, fmt::format("unexpected character '{}' after a number", text[pos])};
      return false;
    }
    token.text = std::string(text.substr(token.position, pos - token.position));
  } else {
    static constexpr std::string_view kTwoCharSymbols[] = {"||", "==", "!=", "<>", "<=", ">="};
    token.kind = TokenKind::kSymbol;
    const std::string_view rest = text.substr(pos);
    for (std::string_view symbol : kTwoCharSymbols) {
      if (rest.starts_with(symbol)) {
        token.text = std::string(symbol);
        break;
      }
    }
    if (token.text.empty()) {
      if (single_symbols.find(c) == std::string_view::npos) {
        error = {pos, fmt::format("unexpected character '{}'", c)};
        return false;
      }
      token.text = std::string(1, c);
    }
    pos += token.text.size();
  }
  return true;
}

bool tokenize(std::string_view text, std::vector<Token>& tokens, ExprError& error) {
  tokens.clear();
  size_t pos = 0;
  while (true) {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) {
      ++pos;
    }
    Token token;
    token.position = pos;
    if (pos == text.size()) {
      tokens.push_back(std::move(token));
      return true;
    }
    if (!read_token(text, pos, "(),+-*/%=<>", token, error)) return false;
    tokens.push_back(std::move(token));
  }
}

}  // namespace sluice::expr
