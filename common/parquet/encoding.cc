#include "common/parquet/encoding.h"

#include <algorithm>

#include "common/base/assert.h"
#include "common/parquet/thrift_compact.h"

namespace sluice::parquet {
namespace {

// A run this long or longer is written as RLE (a bit-packed group is 8).
constexpr size_t kRleRunMin = 8;

size_t run_length(const uint32_t* values, size_t begin, size_t count) {
  size_t end = begin + 1;
  while (end < count && values[end] == values[begin]) ++end;
  return end - begin;
}

void append_rle_run(uint32_t value, size_t length, int bit_width, std::string& out) {
  append_varint(out, static_cast<uint64_t>(length) << 1);
  const int value_bytes = (bit_width + 7) / 8;
  for (int i = 0; i < value_bytes; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

// Bit-packs values[begin, begin + groups * 8), reading zeros past `count`.
void append_bit_packed(const uint32_t* values, size_t begin, size_t groups, size_t count,
                       int bit_width, std::string& out) {
  append_varint(out, (static_cast<uint64_t>(groups) << 1) | 1);
  uint64_t buffer = 0;
  int buffered_bits = 0;
  for (size_t i = begin; i < begin + groups * 8; ++i) {
    const uint64_t value = i < count ? values[i] : 0;
    buffer |= value << buffered_bits;
    buffered_bits += bit_width;
    while (buffered_bits >= 8) {
      out.push_back(static_cast<char>(buffer & 0xFF));
      buffer >>= 8;
      buffered_bits -= 8;
    }
  }
  // groups * 8 * bit_width is a whole number of bytes.
  SLUICE_ASSERT(buffered_bits == 0, "bits={}", buffered_bits);
}

}  // namespace

int bit_width_of(uint64_t max_value) {
  int width = 0;
  while (max_value != 0) {
    ++width;
    max_value >>= 1;
  }
  return width;
}

void encode_rle_hybrid(const uint32_t* values, size_t count, int bit_width, std::string& out) {
  SLUICE_ASSERT(bit_width >= 0, "bit_width={}", bit_width);
  SLUICE_ASSERT(bit_width <= 32, "bit_width={}", bit_width);
  size_t position = 0;
  while (position < count) {
    const size_t run = run_length(values, position, count);
    if (run >= kRleRunMin) {
      append_rle_run(values[position], run, bit_width, out);
      position += run;
      continue;
    }
    // Bit-pack whole groups until a long run starts at a group boundary.
    size_t end = position;
    do {
      end += 8;
    } while (end < count && run_length(values, end, count) < kRleRunMin);
    const size_t groups = (std::min(end, count) - position + 7) / 8;
    append_bit_packed(values, position, groups, count, bit_width, out);
    position = std::min(end, count);
  }
}

void append_plain_bools(const uint8_t* values, size_t count, std::string& out) {
  for (size_t i = 0; i < count; i += 8) {
    uint8_t byte = 0;
    for (size_t bit = 0; bit < 8 && i + bit < count; ++bit) {
      if (values[i + bit] != 0) byte |= static_cast<uint8_t>(1u << bit);
    }
    out.push_back(static_cast<char>(byte));
  }
}

}  // namespace sluice::parquet
