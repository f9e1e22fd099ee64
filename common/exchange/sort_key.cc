#include "common/exchange/sort_key.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "common/expr/parse_value.h"

namespace sluice {
namespace {

constexpr char kMarkerValue = 0x01;
constexpr char kMarkerUnparsed = 0x02;
constexpr char kMarkerNull = 0x03;

void append_u64(std::string& key, uint64_t bits, bool descending) {
  if (descending) bits = ~bits;
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(bits >> (8 * (7 - i)));
  key.append(bytes, sizeof bytes);
}

void append_text(std::string& key, std::string_view text, bool descending) {
  if (!descending && std::memchr(text.data(), '\0', text.size()) == nullptr) {
    key.append(text);
  } else {
    const unsigned char flip = descending ? 0xFF : 0x00;
    key.reserve(key.size() + text.size() + 2);
    for (const char c : text) {
      key.push_back(static_cast<char>(static_cast<unsigned char>(c) ^ flip));
      if (c == '\0') key.push_back(static_cast<char>(0xFF ^ flip));
    }
  }
  const char end = static_cast<char>(descending ? 0xFF : 0x00);
  key.push_back(end);
  key.push_back(end);
}

uint64_t int64_bits(int64_t value) { return static_cast<uint64_t>(value) ^ (uint64_t{1} << 63); }

uint64_t float64_bits(double value) {
  if (std::isnan(value)) return ~uint64_t{0};  // above +inf (0xFFF0...) whatever its payload
  if (value == 0.0) value = 0.0;               // -0.0 == 0.0
  const uint64_t bits = std::bit_cast<uint64_t>(value);
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

}  // namespace

void append_sort_key(std::string& key, expr::Type type, std::string_view text, bool null,
                     bool descending) {
  if (null) {
    key.push_back(kMarkerNull);
    return;
  }
  switch (type) {
    case expr::Type::kInt64:
      if (auto value = expr::parse_int64(text)) {
        key.push_back(kMarkerValue);
        append_u64(key, int64_bits(*value), descending);
        return;
      }
      break;
    case expr::Type::kFloat64:
      if (auto value = expr::parse_float64(text)) {
        key.push_back(kMarkerValue);
        append_u64(key, float64_bits(*value), descending);
        return;
      }
      break;
    case expr::Type::kNull:
    case expr::Type::kBool:
    case expr::Type::kString:
    case expr::Type::kDate:
    case expr::Type::kTimestamp:
      key.push_back(kMarkerValue);
      append_text(key, text, descending);
      return;
  }
  key.push_back(kMarkerUnparsed);
  append_text(key, text, descending);
}

void append_sort_key(std::string& key, const expr::Vector& vector, size_t row, bool descending) {
  if (vector.type == expr::Type::kNull || vector.is_null(row)) {
    key.push_back(kMarkerNull);
    return;
  }
  key.push_back(kMarkerValue);
  switch (vector.type) {
    case expr::Type::kFloat64:
      append_u64(key, float64_bits(vector.doubles[row]), descending);
      return;
    case expr::Type::kString:
      append_text(key, vector.strings[row], descending);
      return;
    case expr::Type::kNull:
    case expr::Type::kBool:
    case expr::Type::kInt64:
    case expr::Type::kDate:
    case expr::Type::kTimestamp:
      append_u64(key, int64_bits(vector.ints[row]), descending);
      return;
  }
}

void append_input_position(std::string& key, uint32_t map_task, uint64_t ordinal) {
  for (int i = 3; i >= 0; --i) key.push_back(static_cast<char>(map_task >> (8 * i)));
  append_u64(key, ordinal, false);
}

}  // namespace sluice
