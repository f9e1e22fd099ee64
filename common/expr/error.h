#pragma once
// Errors in expression text: what went wrong and where (0-based byte offset
// into the expression), and the caret-under-the-text message users see.

#include <cstddef>
#include <string>

namespace sluice::expr {

struct ExprError {
  size_t position = 0;
  std::string message;
};

}  // namespace sluice::expr

namespace sluice {

// "job.yaml:12: steps[1].filter: unknown column \"X\"\n<expr>\n     ^"
// `context` may be empty, then the first line is just the message.
std::string format_expr_error(const std::string& context, const std::string& expr_text,
                              size_t position, const std::string& message);

}  // namespace sluice
