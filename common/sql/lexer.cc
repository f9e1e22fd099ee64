#include "common/sql/lexer.h"

#include <fmt/format.h>

namespace sluice::sql {
namespace {

bool is_identifier_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

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

// Skips blanks and comments; false (with `error`) on an unterminated /* */.
bool skip_blanks(std::string_view text, size_t& pos, expr::ExprError& error) {
  while (pos < text.size()) {
    if (is_space(text[pos])) {
      ++pos;
    } else if (text.substr(pos).starts_with("--")) {
      while (pos < text.size() && text[pos] != '\n') ++pos;
    } else if (text.substr(pos).starts_with("/*")) {
      const size_t close = text.find("*/", pos + 2);
      if (close == std::string_view::npos) {
        error = {pos, "unterminated comment"};
        return false;
      }
      pos = close + 2;
    } else {
      return true;
    }
  }
  return true;
}

}  // namespace

bool tokenize_sql(std::string_view text, std::vector<SqlToken>& tokens, expr::ExprError& error) {
  tokens.clear();
  size_t pos = 0;
  while (true) {
    if (!skip_blanks(text, pos, error)) return false;
    SqlToken token;
    token.begin = pos;
    if (pos == text.size()) {
      token.end = pos;
      tokens.push_back(std::move(token));
      return true;
    }
    const char c = text[pos];
    if (c == '\'' || c == '"') {
      token.kind = c == '\'' ? TokenKind::kString : TokenKind::kQuotedIdentifier;
      if (!read_quoted(text, pos, c, token.text)) {
        error = {token.begin,
                 c == '\'' ? "unterminated string literal" : "unterminated quoted identifier"};
        return false;
      }
      if (token.kind == TokenKind::kQuotedIdentifier && token.text.empty()) {
        error = {token.begin, "empty quoted identifier"};
        return false;
      }
    } else if (is_identifier_start(c)) {
      token.kind = TokenKind::kIdentifier;
      while (pos < text.size() && (is_identifier_start(text[pos]) || is_digit(text[pos]))) ++pos;
      token.text = std::string(text.substr(token.begin, pos - token.begin));
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
      token.text = std::string(text.substr(token.begin, pos - token.begin));
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
        if (std::string_view("(),+-*/%=<>.;[]{}:").find(c) == std::string_view::npos) {
          error = {pos, fmt::format("unexpected character '{}'", c)};
          return false;
        }
        token.text = std::string(1, c);
      }
      pos += token.text.size();
    }
    token.end = pos;
    tokens.push_back(std::move(token));
  }
}

}  // namespace sluice::sql
