#include "common/csv/structural_index.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace sluice::csv_index {

namespace {

// The masks of one 64-byte block before the parity.
struct RawMasks {
  uint64_t quote;
  uint64_t structural;
  uint64_t newline;
  uint64_t non_ascii;
};

// Keeps the first `valid` bits of each mask (a partial last block).
inline RawMasks keep_first(RawMasks raw, size_t valid) {
  if (valid >= kBlockBytes) return raw;
  const uint64_t keep = (uint64_t{1} << valid) - 1;
  return {raw.quote & keep, raw.structural & keep, raw.newline & keep, raw.non_ascii & keep};
}

// Stores one block of `valid` bytes; `carry` is all ones while the previous
// block ended inside quotes.
inline void store(const RawMasks& raw, uint64_t parity_in_block, uint64_t& carry, BlockMasks* out,
                  size_t valid = kBlockBytes) {
  uint64_t parity = parity_in_block ^ carry;
  carry = static_cast<uint64_t>(static_cast<int64_t>(parity) >> 63);
  if (valid < kBlockBytes) parity &= (uint64_t{1} << valid) - 1;
  *out = BlockMasks{raw.quote, raw.structural, raw.newline, raw.non_ascii, parity};
}

RawMasks raw_scalar(const char* p, char delimiter, char quote) {
  RawMasks raw{0, 0, 0, 0};
  for (size_t i = 0; i < kBlockBytes; ++i) {
    const uint64_t bit = uint64_t{1} << i;
    const char c = p[i];
    if (c == quote) raw.quote |= bit;
    if (c == delimiter || c == '\n') raw.structural |= bit;
    if (c == '\n') raw.newline |= bit;
    if (static_cast<unsigned char>(c) >= 0x80) raw.non_ascii |= bit;
  }
  return raw;
}

void build_scalar(const char* data, size_t length, char delimiter, char quote, BlockMasks* out) {
  uint64_t carry = 0;
  for (size_t at = 0; at < length; at += kBlockBytes, ++out) {
    char block[kBlockBytes] = {};
    const size_t valid = length - at < kBlockBytes ? length - at : kBlockBytes;
    std::memcpy(block, data + at, valid);
    const RawMasks raw = keep_first(raw_scalar(block, delimiter, quote), valid);
    uint64_t parity = 0;  // bit by bit: the definition, not the trick
    bool inside = false;
    for (size_t i = 0; i < kBlockBytes; ++i) {
      if ((raw.quote >> i) & 1) inside = !inside;
      if (inside) parity |= uint64_t{1} << i;
    }
    store(raw, parity, carry, out, valid);
  }
}

#if defined(__x86_64__)

inline RawMasks raw_sse2(const char* p, __m128i delimiters, __m128i quotes, __m128i newlines) {
  RawMasks raw{0, 0, 0, 0};
  for (size_t part = 0; part < 4; ++part) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * part));
    const __m128i is_newline = _mm_cmpeq_epi8(bytes, newlines);
    const __m128i is_structural = _mm_or_si128(_mm_cmpeq_epi8(bytes, delimiters), is_newline);
    const unsigned shift = static_cast<unsigned>(16 * part);
    auto bits = [&](__m128i mask) {
      return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(mask)) & 0xFFFFu)
             << shift;
    };
    raw.quote |= bits(_mm_cmpeq_epi8(bytes, quotes));
    raw.structural |= bits(is_structural);
    raw.newline |= bits(is_newline);
    raw.non_ascii |= bits(bytes);
  }
  return raw;
}

void build_sse2(const char* data, size_t length, char delimiter, char quote, BlockMasks* out) {
  const __m128i delimiters = _mm_set1_epi8(delimiter);
  const __m128i quotes = _mm_set1_epi8(quote);
  const __m128i newlines = _mm_set1_epi8('\n');
  uint64_t carry = 0;
  size_t at = 0;
  for (; length - at >= kBlockBytes; at += kBlockBytes, ++out) {
    const RawMasks raw = raw_sse2(data + at, delimiters, quotes, newlines);
    store(raw, prefix_xor(raw.quote), carry, out);
  }
  if (at < length) {
    char block[kBlockBytes] = {};
    std::memcpy(block, data + at, length - at);
    const RawMasks raw = keep_first(raw_sse2(block, delimiters, quotes, newlines), length - at);
    store(raw, prefix_xor(raw.quote), carry, out, length - at);
  }
}

#define SLUICE_AVX2 __attribute__((target("avx2,pclmul")))

// 32 + 32 byte masks as one 64-bit mask.
SLUICE_AVX2 inline uint64_t bits_avx2(__m256i low_mask, __m256i high_mask) {
  return static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(low_mask))) |
         static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(high_mask))) << 32;
}

SLUICE_AVX2 inline RawMasks raw_avx2(const char* p, __m256i delimiters, __m256i quotes,
                                     __m256i newlines) {
  const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  const __m256i newline_low = _mm256_cmpeq_epi8(low, newlines);
  const __m256i newline_high = _mm256_cmpeq_epi8(high, newlines);
  RawMasks raw;
  raw.quote = bits_avx2(_mm256_cmpeq_epi8(low, quotes), _mm256_cmpeq_epi8(high, quotes));
  raw.structural = bits_avx2(_mm256_or_si256(_mm256_cmpeq_epi8(low, delimiters), newline_low),
                             _mm256_or_si256(_mm256_cmpeq_epi8(high, delimiters), newline_high));
  raw.newline = bits_avx2(newline_low, newline_high);
  raw.non_ascii = bits_avx2(low, high);
  return raw;
}

// Carry-less multiplication by all ones is the prefix XOR.
SLUICE_AVX2 inline uint64_t prefix_xor_clmul(uint64_t quote) {
  const __m128i product = _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<int64_t>(quote)),
                                               _mm_set1_epi8(static_cast<char>(0xFF)), 0);
  return static_cast<uint64_t>(_mm_cvtsi128_si64(product));
}

SLUICE_AVX2 void build_avx2(const char* data, size_t length, char delimiter, char quote,
                            BlockMasks* out) {
  const __m256i delimiters = _mm256_set1_epi8(delimiter);
  const __m256i quotes = _mm256_set1_epi8(quote);
  const __m256i newlines = _mm256_set1_epi8('\n');
  uint64_t carry = 0;
  size_t at = 0;
  for (; length - at >= kBlockBytes; at += kBlockBytes, ++out) {
    const RawMasks raw = raw_avx2(data + at, delimiters, quotes, newlines);
    store(raw, prefix_xor_clmul(raw.quote), carry, out);
  }
  if (at < length) {
    alignas(32) char block[kBlockBytes] = {};
    std::memcpy(block, data + at, length - at);
    const RawMasks raw = keep_first(raw_avx2(block, delimiters, quotes, newlines), length - at);
    store(raw, prefix_xor_clmul(raw.quote), carry, out, length - at);
  }
}

#undef SLUICE_AVX2

#endif  // __x86_64__

Kernel choose_kernel() {
  if (kernel_available(Kernel::kAvx2)) return Kernel::kAvx2;
  if (kernel_available(Kernel::kSse2)) return Kernel::kSse2;
  return Kernel::kScalar;
}

}  // namespace

bool kernel_available(Kernel kernel) {
  switch (kernel) {
    case Kernel::kScalar:
      return true;
    case Kernel::kSse2:
#if defined(__x86_64__)
      return true;
#else
      return false;
#endif
    case Kernel::kAvx2:
#if defined(__x86_64__)
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul");
#else
      return false;
#endif
  }
  return false;
}

Kernel best_kernel() {
  static const Kernel kernel = choose_kernel();
  return kernel;
}

const char* kernel_name(Kernel kernel) {
  switch (kernel) {
    case Kernel::kScalar:
      return "scalar";
    case Kernel::kSse2:
      return "sse2";
    case Kernel::kAvx2:
      return "avx2";
  }
  return "?";
}

void build(Kernel kernel, const char* data, size_t length, char delimiter, char quote,
           BlockMasks* out) {
#if defined(__x86_64__)
  if (kernel == Kernel::kAvx2) return build_avx2(data, length, delimiter, quote, out);
  if (kernel == Kernel::kSse2) return build_sse2(data, length, delimiter, quote, out);
#endif
  build_scalar(data, length, delimiter, quote, out);
}

void build(const char* data, size_t length, char delimiter, char quote, BlockMasks* out) {
  build(best_kernel(), data, length, delimiter, quote, out);
}

}  // namespace sluice::csv_index
