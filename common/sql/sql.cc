#include "common/sql/sql.h"

#include <algorithm>

namespace sluice::sql {

std::string format_sql_error(std::string_view text, size_t position, const std::string& message) {
  position = std::min(position, text.size());
  size_t line = 1;
  size_t line_begin = 0;
  for (size_t i = 0; i < position; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_begin = i + 1;
    }
  }
  size_t line_end = text.find('\n', line_begin);
  if (line_end == std::string_view::npos) line_end = text.size();
  std::string out = "line " + std::to_string(line) + ": " + message + "\n";
  for (char c : text.substr(line_begin, line_end - line_begin)) out += c == '\t' ? ' ' : c;
  out += '\n';
  out.append(position - line_begin, ' ');
  out += '^';
  return out;
}

size_t position_of_key_error(const CompiledSql& compiled, const std::string& message) {
  size_t best = std::string::npos;
  size_t best_length = 0;
  for (const auto& [key, position] : compiled.key_positions) {
    if (message.find(key) != std::string::npos && key.size() > best_length) {
      best = position;
      best_length = key.size();
    }
  }
  return best;
}

std::string statement_error(const CompiledSql& compiled, std::string_view text,
                            const std::string& message) {
  const size_t caret_line = message.rfind('\n');
  if (caret_line == std::string::npos || caret_line == 0) return message;
  const size_t expr_line = message.rfind('\n', caret_line - 1);
  if (expr_line == std::string::npos) return message;
  const std::string caret = message.substr(caret_line + 1);
  const std::string expression = message.substr(expr_line + 1, caret_line - expr_line - 1);
  if (caret.empty() || caret.back() != '^' || caret.find_first_not_of(' ') != caret.size() - 1) {
    return message;
  }
  const size_t offset = caret.size() - 1;
  for (const ExpressionSource& source : compiled.expressions) {
    std::string shown = source.text;
    for (char& c : shown) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    if (shown != expression || source.anchors.empty()) continue;
    size_t position = source.anchors.front().second;
    for (const auto& [at, from] : source.anchors) {
      if (at > offset) break;
      position = from + (offset - at);
    }
    return format_sql_error(text, position, message.substr(0, expr_line));
  }
  return message;
}

}  // namespace sluice::sql
