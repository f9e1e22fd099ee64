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

}  // namespace sluice::sql
