// The value encodings of the aggregate step: canonical text (partial rows,
// distinct sets), the order-preserving key encoding, min/max folding.
#include "common/pipeline/aggregate_values.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace sluice {

using expr::Type;
using Scalar = Aggregator::Scalar;

// --- canonical text of values (partial rows, distinct sets) ----------------

double normalize(double value) {
  if (value == 0) return 0;  // -0.0 and 0.0 are one value
  if (std::isnan(value)) return std::numeric_limits<double>::quiet_NaN();
  return value;
}

void append_int(std::string& out, int64_t value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_float(std::string& out, double value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, normalize(value));
  out.append(buffer, result.ptr);
}

void append_int128(std::string& out, __int128 value) {
  if (value == 0) {
    out += '0';
    return;
  }
  const bool negative = value < 0;
  unsigned __int128 magnitude =
      negative ? -static_cast<unsigned __int128>(value) : static_cast<unsigned __int128>(value);
  char buffer[48];
  size_t length = 0;
  while (magnitude > 0) {
    buffer[length++] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  }
  if (negative) out += '-';
  while (length > 0) out += buffer[--length];
}

bool parse_int(std::string_view text, int64_t& value) {
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

bool parse_float(std::string_view text, double& value) {
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

bool parse_int128(std::string_view text, __int128& value) {
  bool negative = false;
  size_t i = 0;
  if (!text.empty() && text[0] == '-') {
    negative = true;
    i = 1;
  }
  if (i == text.size() || text.size() - i > 39) return false;
  unsigned __int128 magnitude = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    magnitude = magnitude * 10 + static_cast<unsigned>(text[i] - '0');
  }
  value = negative ? -static_cast<__int128>(magnitude) : static_cast<__int128>(magnitude);
  return true;
}

void append_canonical(std::string& out, Type type, const Scalar& value) {
  switch (type) {
    case Type::kString:
      out += value.string_value;
      break;
    case Type::kFloat64:
      append_float(out, value.float_value);
      break;
    case Type::kNull:
      break;
    default:
      append_int(out, value.int_value);
      break;
  }
}

bool parse_canonical(std::string_view text, Type type, Scalar& value) {
  value.valid = true;
  switch (type) {
    case Type::kString:
      value.string_value.assign(text);
      return true;
    case Type::kFloat64:
      return parse_float(text, value.float_value);
    case Type::kNull:
      return false;
    default:
      return parse_int(text, value.int_value);
  }
}

// --- the order-preserving key encoding --------------------------------------

namespace {

void append_big_endian(std::string& out, uint64_t bits) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((bits >> shift) & 0xff);
}

}  // namespace

void append_key(std::string& out, Type type, const Scalar& value) {
  if (!value.valid) {
    out += '\0';
    return;
  }
  out += '\1';
  switch (type) {
    case Type::kString:
      for (char c : value.string_value) {
        out += c;
        if (c == '\0') out += '\xff';
      }
      out += '\0';
      out += '\0';
      break;
    case Type::kFloat64: {
      const double normalized = normalize(value.float_value);
      uint64_t bits;
      std::memcpy(&bits, &normalized, sizeof bits);
      bits = (bits >> 63) ? ~bits : bits | (1ull << 63);
      append_big_endian(out, bits);
      break;
    }
    case Type::kNull:
      break;
    default:
      append_big_endian(out, static_cast<uint64_t>(value.int_value) ^ (1ull << 63));
      break;
  }
}

void read_scalar(const expr::Vector& vector, size_t row, Scalar& value) {
  value.valid = vector.type != Type::kNull && !vector.is_null(row);
  if (!value.valid) return;
  switch (vector.type) {
    case Type::kString:
      value.string_value.assign(vector.strings[row]);
      break;
    case Type::kFloat64:
      value.float_value = normalize(vector.doubles[row]);
      break;
    default:
      value.int_value = vector.ints[row];
      break;
  }
}

namespace {

// Total order used by min/max: floats with NaN greatest.
int compare_scalars(Type type, const Scalar& a, const Scalar& b) {
  switch (type) {
    case Type::kString:
      return a.string_value.compare(b.string_value) < 0
                 ? -1
                 : (a.string_value == b.string_value ? 0 : 1);
    case Type::kFloat64: {
      const bool a_nan = std::isnan(a.float_value), b_nan = std::isnan(b.float_value);
      if (a_nan || b_nan) return a_nan == b_nan ? 0 : (a_nan ? 1 : -1);
      return a.float_value < b.float_value ? -1 : (a.float_value > b.float_value ? 1 : 0);
    }
    default:
      return a.int_value < b.int_value ? -1 : (a.int_value > b.int_value ? 1 : 0);
  }
}

}  // namespace

void fold_extreme(AggregateKind kind, Type type, Scalar& state, const Scalar& value) {
  if (!value.valid) return;
  const bool replace =
      !state.valid || (kind == AggregateKind::kMin ? compare_scalars(type, value, state) < 0
                                                   : compare_scalars(type, value, state) > 0);
  if (replace) state = value;
}

}  // namespace sluice
