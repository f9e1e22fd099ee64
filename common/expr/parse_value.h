#pragma once
// Text to typed values, shared by CAST and the pipeline's schema gate.
// Leading and trailing spaces are ignored for numbers and booleans.

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::expr {

std::optional<int64_t> parse_int64(std::string_view text);
std::optional<double> parse_float64(std::string_view text);
// true/false, t/f, yes/no, y/n, 1/0, case-insensitive.
std::optional<bool> parse_bool(std::string_view text);
inline bool in_int32_range(int64_t value) { return value >= INT32_MIN && value <= INT32_MAX; }

}  // namespace sluice::expr
