#include "common/parquet/value_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/expr/datetime.h"

namespace sluice::parquet {
namespace {

constexpr size_t kBlockBytes = 64 << 10;
constexpr int64_t kJulianDayOfEpoch = 2'440'588;
constexpr int64_t kNanosPerDay = 86'400'000'000'000;
// Days whose microseconds fit an int64 (about 292,000 years).
constexpr int64_t kInt96DaysMax = 100'000'000;
constexpr int64_t kMicrosFormattedMax = kInt96DaysMax * 86'400'000'000;

template <typename T>
T load(std::string_view raw) {
  T value;
  std::memcpy(&value, raw.data(), sizeof(T));
  return value;
}

int64_t signed_of(const ColumnInfo& column, std::string_view raw) {
  return column.physical == Physical::kInt32 ? load<int32_t>(raw) : load<int64_t>(raw);
}

// Floor division and remainder.
std::pair<int64_t, int64_t> floor_divmod(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  int64_t remainder = value % divisor;
  if (remainder < 0) {
    --quotient;
    remainder += divisor;
  }
  return {quotient, remainder};
}

// A timestamp of `micros` plus `extra_nanos` (0..999) as text into `out`;
// past about 270,000 years from 1970 (where the calendar arithmetic would
// overflow) the number of microseconds itself.
size_t format_timestamp_nanos(int64_t micros, int64_t extra_nanos, char* out) {
  if (micros > kMicrosFormattedMax || micros < -kMicrosFormattedMax)
    return static_cast<size_t>(fmt::format_to(out, "{}", micros) - out);
  size_t length = expr::format_timestamp(micros, out);
  if (extra_nanos == 0) return length;
  if (floor_divmod(micros, 1'000'000).second == 0) {
    std::memcpy(out + length, ".000000", 7);
    length += 7;
  }
  return length +
         static_cast<size_t>(fmt::format_to(out + length, "{:03}", extra_nanos) - (out + length));
}

// `count` of `unit` since the epoch (a timestamp) or since midnight (a time).
size_t format_time_value(const ColumnInfo& column, int64_t count, char* out) {
  int64_t micros = 0;
  int64_t nanos = 0;
  if (column.unit == TimeUnit::kMillis) {
    if (count > std::numeric_limits<int64_t>::max() / 1000 ||
        count < std::numeric_limits<int64_t>::min() / 1000) {
      return static_cast<size_t>(fmt::format_to(out, "{}", count) - out);
    }
    micros = count * 1000;
  } else if (column.unit == TimeUnit::kMicros) {
    micros = count;
  } else {
    std::tie(micros, nanos) = floor_divmod(count, 1000);
  }
  if (column.kind == ValueKind::kTimestamp) return format_timestamp_nanos(micros, nanos, out);
  // A time of day: HH:MM:SS[.ffffff[nnn]].
  const auto [seconds, fraction] = floor_divmod(micros, 1'000'000);
  char* end =
      fmt::format_to(out, "{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
  if (fraction != 0 || nanos != 0) end = fmt::format_to(end, ".{:06}", fraction);
  if (nanos != 0) end = fmt::format_to(end, "{:03}", nanos);
  return static_cast<size_t>(end - out);
}

// An unscaled decimal as text with `scale` digits after the point.
size_t format_decimal(__int128 unscaled, int scale, char* out) {
  const bool negative = unscaled < 0;
  unsigned __int128 magnitude = negative ? static_cast<unsigned __int128>(-(unscaled + 1)) + 1
                                         : static_cast<unsigned __int128>(unscaled);
  char digits[96];
  size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  while (count <= static_cast<size_t>(scale)) digits[count++] = '0';  // a leading "0."
  char* end = out;
  if (negative) *end++ = '-';
  for (size_t i = count; i-- > 0;) {
    *end++ = digits[i];
    if (i == static_cast<size_t>(scale) && scale > 0) *end++ = '.';
  }
  return static_cast<size_t>(end - out);
}

// A big-endian two's complement integer of any length, if it fits 128 bits.
Result<__int128> big_endian_integer(std::string_view raw) {
  if (raw.empty()) return __int128{0};
  const bool negative = (static_cast<uint8_t>(raw[0]) & 0x80) != 0;
  const char fill = negative ? '\xff' : '\0';
  size_t skip = 0;  // sign-extension bytes beyond 16
  while (raw.size() - skip > 16 && raw[skip] == fill) ++skip;
  if (raw.size() - skip > 16) return data_error("a decimal wider than 128 bits");
  unsigned __int128 value = negative ? ~static_cast<unsigned __int128>(0) : 0;
  for (size_t i = skip; i < raw.size(); ++i) value = (value << 8) | static_cast<uint8_t>(raw[i]);
  return static_cast<__int128>(value);
}

float half_to_float(uint16_t half) {
  const int sign = half >> 15;
  const int exponent = (half >> 10) & 0x1F;
  const int mantissa = half & 0x3FF;
  float value = 0;
  if (exponent == 0) {
    value = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    value = mantissa == 0 ? std::numeric_limits<float>::infinity()
                          : std::numeric_limits<float>::quiet_NaN();
  } else {
    value = std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
  }
  return sign != 0 ? -value : value;
}

template <typename T>
size_t format_number(T value, char* out) {
  return static_cast<size_t>(std::to_chars(out, out + 64, value).ptr - out);
}

}  // namespace

std::string_view TextArena::copy(std::string_view text) {
  if (text.empty()) return std::string_view("", 0);  // not NULL: NULL has no data
  if (blocks_.empty() || blocks_.back().size - blocks_.back().used < text.size()) {
    Block block;
    block.size = std::max(kBlockBytes, text.size());
    block.data = std::make_unique<char[]>(block.size);
    blocks_.push_back(std::move(block));
  }
  Block& block = blocks_.back();
  char* where = block.data.get() + block.used;
  std::memcpy(where, text.data(), text.size());
  block.used += text.size();
  bytes_ += text.size();
  return std::string_view(where, text.size());
}

void TextArena::clear() {
  if (blocks_.size() > 1 || (!blocks_.empty() && blocks_[0].size > kBlockBytes)) {
    blocks_.resize(1);
    if (blocks_[0].size > kBlockBytes) blocks_.clear();
  }
  if (!blocks_.empty()) blocks_[0].used = 0;
  bytes_ = 0;
}

Result<std::string_view> value_text(const ColumnInfo& column, std::string_view raw,
                                    TextArena& arena) {
  char buffer[96];
  size_t length = 0;
  switch (column.kind) {
    case ValueKind::kBytes:
      return arena.copy(raw);
    case ValueKind::kBool:
      return raw[0] != 0 ? std::string_view("true") : std::string_view("false");
    case ValueKind::kSigned:
      length = format_number(signed_of(column, raw), buffer);
      break;
    case ValueKind::kUnsigned:
      length = column.physical == Physical::kInt32 ? format_number(load<uint32_t>(raw), buffer)
                                                   : format_number(load<uint64_t>(raw), buffer);
      break;
    case ValueKind::kFloat:
      length = format_number(load<float>(raw), buffer);
      break;
    case ValueKind::kDouble:
      length = format_number(load<double>(raw), buffer);
      break;
    case ValueKind::kDate:
      length = expr::format_date(load<int32_t>(raw), buffer);
      break;
    case ValueKind::kTimestamp:
      if (column.physical == Physical::kInt96) {
        const int64_t nanos_of_day = load<int64_t>(raw);
        const int64_t julian_day = load<int32_t>(raw.substr(8));
        const auto [days, nanos] = floor_divmod(nanos_of_day, kNanosPerDay);
        const int64_t day = julian_day - kJulianDayOfEpoch + days;
        if (day > kInt96DaysMax || day < -kInt96DaysMax)
          return data_error(
              fmt::format("column '{}': an INT96 timestamp out of range", column.name));
        const auto [micros, extra] = floor_divmod(nanos, 1000);
        length = format_timestamp_nanos(day * expr::kMicrosPerDay + micros, extra, buffer);
        break;
      }
      length = format_time_value(column, signed_of(column, raw), buffer);
      break;
    case ValueKind::kTime:
      length = format_time_value(column, signed_of(column, raw), buffer);
      break;
    case ValueKind::kDecimal: {
      __int128 unscaled = 0;
      if (column.physical == Physical::kInt32 || column.physical == Physical::kInt64) {
        unscaled = signed_of(column, raw);
      } else {
        SLUICE_ASSIGN_OR_RETURN(unscaled, big_endian_integer(raw));
      }
      length = format_decimal(unscaled, column.scale, buffer);
      break;
    }
    case ValueKind::kUuid: {
      char* end = buffer;
      for (size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *end++ = '-';
        end = fmt::format_to(end, "{:02x}", static_cast<uint8_t>(raw[i]));
      }
      length = static_cast<size_t>(end - buffer);
      break;
    }
    case ValueKind::kFloat16:
      length = format_number(half_to_float(load<uint16_t>(raw)), buffer);
      break;
  }
  return arena.copy(std::string_view(buffer, length));
}

}  // namespace sluice::parquet
