// The value encodings of the aggregate step: canonical text (partial rows,
// distinct sets), the order-preserving key encoding, min/max folding.
#include "common/pipeline/aggregate_values.h"

#include <algorithm>
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
    case Type::kFloat64:
      append_big_endian(out, Aggregator::KeyEncoder::float_key_bits(value.float_value));
      break;
    case Type::kNull:
      break;
    default:
      append_big_endian(out, static_cast<uint64_t>(value.int_value) ^ (1ull << 63));
      break;
  }
}

namespace {

using key_words::load64;
uint32_t load32(const char* bytes) { return static_cast<uint32_t>(key_words::load32(bytes)); }

bool has_zero_byte(uint64_t word) {
  return ((word - 0x0101010101010101ull) & ~word & 0x8080808080808080ull) != 0;
}
bool has_zero_byte(uint32_t word) { return ((word - 0x01010101u) & ~word & 0x80808080u) != 0; }

// Copies `size` bytes and tells whether one of them is 0x00. Short strings,
// which keys mostly are, go as two words that together cover every byte
// (below 4 bytes: the first, middle and last byte), without a call or a
// branch per byte.
bool copy_bytes(char* out, const char* bytes, size_t size) {
  if (size >= 8 && size <= 16) {
    const uint64_t head = load64(bytes), tail = load64(bytes + size - 8);
    std::memcpy(out, &head, 8);
    std::memcpy(out + size - 8, &tail, 8);
    return has_zero_byte(head) || has_zero_byte(tail);
  }
  if (size >= 4 && size < 8) {
    const uint32_t head = load32(bytes), tail = load32(bytes + size - 4);
    std::memcpy(out, &head, 4);
    std::memcpy(out + size - 4, &tail, 4);
    return has_zero_byte(head) || has_zero_byte(tail);
  }
  if (size > 0 && size < 4) {
    const char first = bytes[0], middle = bytes[size >> 1], last = bytes[size - 1];
    out[0] = first;
    out[size >> 1] = middle;
    out[size - 1] = last;
    return (first == '\0') | (middle == '\0') | (last == '\0');
  }
  if (size == 0) return false;
  std::memcpy(out, bytes, size);
  return std::memchr(bytes, 0, size) != nullptr;
}

void put_ordered_bits(char* out, uint64_t bits) {
  out[0] = '\1';
  const uint64_t big_endian = __builtin_bswap64(bits);
  std::memcpy(out + 1, &big_endian, sizeof big_endian);
}

}  // namespace

uint64_t Aggregator::KeyEncoder::float_key_bits(double value) {
  const double normalized = normalize(value);
  uint64_t bits;
  std::memcpy(&bits, &normalized, sizeof bits);
  return (bits >> 63) ? ~bits : bits | (1ull << 63);
}

void Aggregator::KeyEncoder::encode(const std::vector<const expr::Vector*>& keys,
                                    const uint32_t* rows, size_t row_count, size_t* ends) {
  if (encode_unescaped(keys, rows, row_count, ends)) return;
  // A string holds 0x00, which needs escaping (rare): the chunk again, row
  // by row, through append_key.
  buffer_.clear();
  Scalar value;
  for (size_t i = 0; i < row_count; ++i) {
    for (const expr::Vector* vector : keys) {
      read_scalar(*vector, rows[i], value);
      append_key(buffer_, vector->type, value);
    }
    ends[i] = buffer_.size();
  }
  size_ = buffer_.size();
}

bool Aggregator::KeyEncoder::encode_unescaped(const std::vector<const expr::Vector*>& keys,
                                              const uint32_t* rows, size_t row_count,
                                              size_t* ends) {
  // 1. Each row's key size, then where it starts (in ends[], advanced as
  // its parts are written).
  std::fill(ends, ends + row_count, size_t{0});
  for (const expr::Vector* vector : keys) {
    const uint8_t* valid = vector->valid.data();
    switch (vector->type) {
      case Type::kNull:
        for (size_t i = 0; i < row_count; ++i) ends[i] += 1;
        break;
      case Type::kString: {
        // The strings are views into the batch's input, a row's width apart:
        // ask for their bytes, read in step 2, now.
        const std::string_view* strings = vector->strings.data();
        for (size_t i = 0; i < row_count; ++i) {
          const uint32_t row = rows[i];
          if (valid[row] == 0) {
            ends[i] += 1;
            continue;
          }
          __builtin_prefetch(strings[row].data());
          ends[i] += strings[row].size() + 3;
        }
        break;
      }
      default:
        for (size_t i = 0; i < row_count; ++i) ends[i] += valid[rows[i]] == 0 ? 1 : 9;
        break;
    }
  }
  size_t total = 0;
  for (size_t i = 0; i < row_count; ++i) {
    const size_t size = ends[i];
    ends[i] = total;
    total += size;
  }
  if (buffer_.size() < total) buffer_.resize(std::max(total, 2 * buffer_.size()));
  size_ = total;
  char* const out = buffer_.data();

  // 2. The parts, key by key.
  bool zero = false;
  for (const expr::Vector* vector : keys) {
    const uint8_t* valid = vector->valid.data();
    switch (vector->type) {
      case Type::kNull:
        for (size_t i = 0; i < row_count; ++i) out[ends[i]++] = '\0';
        break;
      case Type::kString: {
        const std::string_view* strings = vector->strings.data();
        for (size_t i = 0; i < row_count; ++i) {
          const uint32_t row = rows[i];
          char* at = out + ends[i];
          if (valid[row] == 0) {
            *at = '\0';
            ends[i] += 1;
            continue;
          }
          // 0x01, the bytes, then 0x00 0x00.
          const std::string_view text = strings[row];
          at[0] = '\1';
          zero |= copy_bytes(at + 1, text.data(), text.size());
          at[text.size() + 1] = '\0';
          at[text.size() + 2] = '\0';
          ends[i] += text.size() + 3;
        }
        break;
      }
      case Type::kFloat64: {
        const double* doubles = vector->doubles.data();
        for (size_t i = 0; i < row_count; ++i) {
          const uint32_t row = rows[i];
          if (valid[row] == 0) {
            out[ends[i]++] = '\0';
            continue;
          }
          put_ordered_bits(out + ends[i], float_key_bits(doubles[row]));
          ends[i] += 9;
        }
        break;
      }
      default: {
        const int64_t* ints = vector->ints.data();
        for (size_t i = 0; i < row_count; ++i) {
          const uint32_t row = rows[i];
          if (valid[row] == 0) {
            out[ends[i]++] = '\0';
            continue;
          }
          put_ordered_bits(out + ends[i], static_cast<uint64_t>(ints[row]) ^ (1ull << 63));
          ends[i] += 9;
        }
        break;
      }
    }
  }
  return !zero;
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
