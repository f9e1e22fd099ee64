#pragma once
// Internal to the aggregate step (aggregate.cc, aggregate_partial.cc): the
// state of one aggregate of one group, and the value encodings the table and
// its partial rows share — the canonical text of values and the
// order-preserving key encoding (per value, and a chunk of rows at a time
// for update), and the table's key hash.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/expr/types.h"
#include "common/expr/vector.h"
#include "common/pipeline/aggregate.h"

namespace sluice {

struct Aggregator::State {
  int64_t count = 0;     // rows (count), values seen (sum, avg: 0 means NULL)
  __int128 int_sum = 0;  // sum/avg of ints: cannot overflow before 2^64 rows
  double float_sum = 0;  // sum/avg of floats
  Scalar value;          // min/max
  std::unique_ptr<std::unordered_set<std::string>> distinct;  // count_distinct: canonical texts
};

// --- canonical text of values (partial rows, distinct sets) ----------------

double normalize(double value);  // -0.0 is 0.0; every NaN the quiet NaN
void append_int(std::string& out, int64_t value);
void append_float(std::string& out, double value);
void append_int128(std::string& out, __int128 value);
bool parse_int(std::string_view text, int64_t& value);
bool parse_float(std::string_view text, double& value);
bool parse_int128(std::string_view text, __int128& value);
void append_canonical(std::string& out, expr::Type type, const Aggregator::Scalar& value);
bool parse_canonical(std::string_view text, expr::Type type, Aggregator::Scalar& value);

// --- the order-preserving key encoding --------------------------------------

// NULL sorts first; ints and floats in numeric order; strings bytewise, with
// 0x00 escaped so that a key is never a prefix of another's.
void append_key(std::string& out, expr::Type type, const Aggregator::Scalar& value);
void read_scalar(const expr::Vector& vector, size_t row, Aggregator::Scalar& value);

// Encodes the keys of a chunk of rows straight from the key vectors: the
// bytes append_key gives for each read_scalar value, without the Scalar
// copies, one row's key after another in a buffer reused from chunk to
// chunk. Column by column: each pass reads one vector of one type.
class Aggregator::KeyEncoder {
 public:
  // Encodes the keys of rows[0..row_count) (each vector read by its own
  // type); row i's key ends at ends[i] in bytes().
  void encode(const std::vector<const expr::Vector*>& keys, const uint32_t* rows, size_t row_count,
              size_t* ends);
  std::string_view bytes() const { return std::string_view(buffer_.data(), size_); }

  // A float's key bits: normalized, then ordered as unsigned integers.
  static uint64_t float_key_bits(double value);

 private:
  // encode() when no string holds 0x00, without reading a string's bytes
  // twice; false (and bytes() unusable) when one does.
  bool encode_unescaped(const std::vector<const expr::Vector*>& keys, const uint32_t* rows,
                        size_t row_count, size_t* ends);

  std::string buffer_;
  size_t size_ = 0;
};

// The table's hash of an encoded key, and key equality. Inline: update()
// calls both per row, on keys mostly a few bytes long (W3's are about 10), so
// they read whole words, not a byte at a time.
namespace key_words {
inline uint64_t load64(const char* bytes) {
  uint64_t value;
  std::memcpy(&value, bytes, sizeof value);
  return value;
}
inline uint64_t load32(const char* bytes) {
  uint32_t value;
  std::memcpy(&value, bytes, sizeof value);
  return value;
}
// The high and low halves of a * b, folded.
inline uint64_t multiply_fold(uint64_t a, uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}
}  // namespace key_words

// wyhash's construction (public domain, github.com/wangyi-fudan/wyhash):
// 128-bit multiplies of the bytes with odd constants; a key of up to 16
// bytes takes one pass of loads and two multiplies.
inline uint64_t key_hash(std::string_view key_bytes) {
  using key_words::load32;
  using key_words::load64;
  using key_words::multiply_fold;
  constexpr uint64_t kSecret0 = 0xa0761d6478bd642full;
  constexpr uint64_t kSecret1 = 0xe7037ed1a0b428dbull;
  const char* bytes = key_bytes.data();
  const size_t size = key_bytes.size();
  uint64_t seed = kSecret0;
  uint64_t a = 0, b = 0;
  if (size <= 16) {
    if (size >= 4) {
      const size_t middle = (size >> 3) << 2;  // 0 below 8 bytes, else 4
      a = (load32(bytes) << 32) | load32(bytes + middle);
      b = (load32(bytes + size - 4) << 32) | load32(bytes + size - 4 - middle);
    } else if (size > 0) {
      a = (uint64_t{static_cast<uint8_t>(bytes[0])} << 16) |
          (uint64_t{static_cast<uint8_t>(bytes[size >> 1])} << 8) |
          static_cast<uint8_t>(bytes[size - 1]);
    }
  } else {
    size_t left = size;
    const char* at = bytes;
    while (left > 16) {
      seed = multiply_fold(load64(at) ^ kSecret1, load64(at + 8) ^ seed);
      at += 16;
      left -= 16;
    }
    a = load64(at + left - 16);
    b = load64(at + left - 8);
  }
  return multiply_fold(kSecret1 ^ size, multiply_fold(a ^ kSecret1, b ^ seed));
}

inline bool key_equal(std::string_view a, std::string_view b) {
  using key_words::load32;
  using key_words::load64;
  const size_t size = a.size();
  if (size != b.size()) return false;
  if (size >= 8 && size <= 16) {
    return ((load64(a.data()) ^ load64(b.data())) |
            (load64(a.data() + size - 8) ^ load64(b.data() + size - 8))) == 0;
  }
  if (size >= 4 && size < 8) {
    return ((load32(a.data()) ^ load32(b.data())) |
            (load32(a.data() + size - 4) ^ load32(b.data() + size - 4))) == 0;
  }
  return std::memcmp(a.data(), b.data(), size) == 0;
}

// Folds `value` into a min or max `state`; NULL values are skipped.
void fold_extreme(AggregateKind kind, expr::Type type, Aggregator::Scalar& state,
                  const Aggregator::Scalar& value);

}  // namespace sluice
