#pragma once
// SLUICE_ASSERT is always on: it logs the condition and aborts. It guards
// programmer errors only; bad input is a Status or a reject, never an assert.

#include <fmt/format.h>

namespace sluice::detail {
[[noreturn]] void assert_failed(const char* condition, const char* file, int line,
                                const std::string& message);
}  // namespace sluice::detail

#define SLUICE_ASSERT(cond, ...)                                                              \
  do {                                                                                        \
    if (!(cond)) [[unlikely]] {                                                               \
      ::sluice::detail::assert_failed(#cond, __FILE__, __LINE__, ::fmt::format(__VA_ARGS__)); \
    }                                                                                         \
  } while (0)
