#pragma once
// Parquet's value encodings that sluice writes:
//  - the RLE / bit-packed hybrid (definition levels, dictionary indices):
//    runs of >= 8 equal values become RLE runs (header `count << 1`, the
//    value in ceil(bit_width / 8) little-endian bytes); the rest is
//    bit-packed in groups of 8 (header `groups << 1 | 1`, values packed
//    least significant bit first). Only the last group is padded.
//  - PLAIN is written by the column writer (little-endian fixed width,
//    byte arrays as a 4-byte length then the bytes, booleans bit-packed).

#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice::parquet {

// Bits needed for values up to `max_value` (0 for 0).
int bit_width_of(uint64_t max_value);

// Appends the hybrid encoding of values[0..count) (each < 2^bit_width,
// bit_width in 0..32) to `out`, with no length prefix.
void encode_rle_hybrid(const uint32_t* values, size_t count, int bit_width, std::string& out);

// Packs booleans (0/1) LSB first, 8 to a byte: PLAIN for BOOLEAN.
void append_plain_bools(const uint8_t* values, size_t count, std::string& out);

}  // namespace sluice::parquet
