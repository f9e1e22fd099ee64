#pragma once
// UTF-8 validation for the readers: ASCII is checked 8 bytes at a time, and
// only non-ASCII bytes go through the full check (Unicode 15, table 3-7: no
// overlongs, no surrogates, nothing above U+10FFFF).

#include <cstddef>
#include <string_view>

namespace sluice {

// Index of the first byte of the first invalid sequence, or npos if `bytes`
// is valid UTF-8.
size_t find_invalid_utf8(std::string_view bytes);

// Length of the valid sequence starting at bytes[index], or 0 if invalid.
size_t utf8_sequence_length(std::string_view bytes, size_t index);

}  // namespace sluice
