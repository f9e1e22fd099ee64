#pragma once
// The CSV reader's structural index: for each 64-byte block of a span of
// bytes, bitmasks (bit i = byte i of the block) of the quotes, the
// delimiters and line feeds, the line feeds alone, the bytes >= 0x80, and the
// quote parity: bit i is set when an odd number of quotes lie in [span start,
// i] (an inclusive prefix XOR of the quote mask, carried across blocks).
//
// Read from the parity, a delimiter or '\n' is outside quotes when its
// parity bit, XORed with the parity just before the record start, is 0 —
// exactly the RFC 4180 reading when every quote opens or closes a quoted
// field or is one of a doubled pair. The reader checks that before it trusts
// the index (common/csv/range_reader_indexed.cc).
//
// Three kernels give identical masks: AVX2 + PCLMULQDQ (chosen at run time
// when the CPU has them; compiled with a target attribute so the build stays
// portable), SSE2 (the x86-64 baseline; prefix XOR by a shift cascade) and a
// plain byte loop (any CPU; the reference in the tests).

#include <cstddef>
#include <cstdint>

namespace sluice::csv_index {

inline constexpr size_t kBlockBytes = 64;

struct BlockMasks {
  uint64_t quote = 0;
  uint64_t structural = 0;  // delimiter or '\n'
  uint64_t newline = 0;     // '\n'
  uint64_t non_ascii = 0;   // byte >= 0x80
  uint64_t parity = 0;      // inclusive prefix XOR of `quote` from the span start
  bool operator==(const BlockMasks&) const = default;
};

enum class Kernel { kScalar, kSse2, kAvx2 };

// Whether this CPU (and this build) can run `kernel`.
bool kernel_available(Kernel kernel);
// The fastest available kernel, chosen once.
Kernel best_kernel();
const char* kernel_name(Kernel kernel);

// Fills out[0 .. ceil(length / 64)) for data[0 .. length). Bits past `length`
// in the last block are 0. The parity starts at 0 (data[0] outside quotes).
void build(Kernel kernel, const char* data, size_t length, char delimiter, char quote,
           BlockMasks* out);

// With the best kernel.
void build(const char* data, size_t length, char delimiter, char quote, BlockMasks* out);

// Inclusive prefix XOR of the bits of `x` (bit i = XOR of bits 0..i).
inline uint64_t prefix_xor(uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

}  // namespace sluice::csv_index
