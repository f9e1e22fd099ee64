#include "common/expr/error.h"

namespace sluice {

std::string format_expr_error(const std::string& context, const std::string& expr_text,
                              size_t position, const std::string& message) {
  std::string out;
  if (!context.empty()) {
    out += context;
    out += ": ";
  }
  out += message;
  out += '\n';
  // Show the expression on one line so the caret lines up.
  for (char c : expr_text) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  out += '\n';
  out.append(position > expr_text.size() ? expr_text.size() : position, ' ');
  out += '^';
  return out;
}

}  // namespace sluice
