#include "common/base/units.h"

#include <charconv>
#include <string>

namespace sluice {
namespace {

struct Suffix {
  std::string_view name;
  uint64_t factor;
};

Result<uint64_t> parse_scaled(std::string_view text, std::initializer_list<Suffix> suffixes,
                              const char* what) {
  uint64_t number = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [rest, error] = std::from_chars(begin, end, number);
  if (error != std::errc() || rest == begin) {
    return invalid_argument(std::string("not a ") + what + ": '" + std::string(text) + "'");
  }
  std::string_view suffix(rest, end - rest);
  while (!suffix.empty() && suffix.front() == ' ') suffix.remove_prefix(1);
  for (const Suffix& candidate : suffixes) {
    if (suffix == candidate.name) {
      if (candidate.factor != 0 && number > UINT64_MAX / candidate.factor) {
        return invalid_argument(std::string(what) + " too large: '" + std::string(text) + "'");
      }
      return number * candidate.factor;
    }
  }
  return invalid_argument(std::string("unknown unit in ") + what + ": '" + std::string(text) + "'");
}

}  // namespace

Result<uint64_t> parse_size_bytes(std::string_view text) {
  return parse_scaled(text,
                      {{"", 1},
                       {"B", 1},
                       {"KiB", 1ull << 10},
                       {"MiB", 1ull << 20},
                       {"GiB", 1ull << 30},
                       {"TiB", 1ull << 40},
                       {"KB", 1000},
                       {"MB", 1000 * 1000},
                       {"GB", 1000ull * 1000 * 1000},
                       {"K", 1ull << 10},
                       {"M", 1ull << 20},
                       {"G", 1ull << 30}},
                      "size");
}

Result<int64_t> parse_duration_ms(std::string_view text) {
  auto parsed =
      parse_scaled(text, {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}}, "duration");
  if (!parsed.is_ok()) return parsed.status();
  return static_cast<int64_t>(parsed.value());
}

}  // namespace sluice
