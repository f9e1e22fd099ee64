#include "common/sql/lexer.h"

namespace sluice::sql {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

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
    expr::Token read;
    if (!expr::read_token(text, pos, "(),+-*/%=<>.;[]{}:", read, error)) return false;
    token.kind = read.kind;
    token.text = std::move(read.text);
    token.end = pos;
    tokens.push_back(std::move(token));
  }
}

}  // namespace sluice::sql
