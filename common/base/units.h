#pragma once
// Parsing of human-written quantities in job files and flags.

#include <cstdint>
#include <string_view>

#include "common/base/status.h"

namespace sluice {

// "64MiB", "1KiB", "4093", "2GiB", "10MB" -> bytes.
Result<uint64_t> parse_size_bytes(std::string_view text);
// "30s", "500ms", "2m" -> milliseconds.
Result<int64_t> parse_duration_ms(std::string_view text);

}  // namespace sluice
