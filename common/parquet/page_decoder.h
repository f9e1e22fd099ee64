#pragma once
// Decoders of Parquet's value encodings, streaming over one page's bytes:
// every get()/next() checks the bounds and returns kDataError past the end,
// and nothing allocates more than the values asked for.
//  - RleDecoder: the RLE / bit-packed hybrid (levels, dictionary indices,
//    RLE booleans).
//  - DeltaDecoder: DELTA_BINARY_PACKED (INT32/INT64, and the lengths of the
//    two DELTA byte-array encodings).
//  - ValueDecoder: one data page's values, in any supported encoding, as
//    their PLAIN bytes (fixed width little-endian; byte arrays their bytes).
// decompress_page() undoes a page's codec into a buffer of the exact size
// the page header gives. Thread safety: one thread per decoder.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/parquet/file_reader.h"

namespace sluice::parquet {

// parquet.thrift `Encoding`.
namespace encoding_id {
constexpr int32_t kPlain = 0, kPlainDictionary = 2, kRle = 3, kBitPacked = 4,
                  kDeltaBinaryPacked = 5, kDeltaLengthByteArray = 6, kDeltaByteArray = 7,
                  kRleDictionary = 8, kByteStreamSplit = 9;
}  // namespace encoding_id

const char* encoding_name(int32_t encoding);

class RleDecoder {
 public:
  RleDecoder() = default;
  // bit_width 0..32 (checked by the caller).
  RleDecoder(std::string_view data, int bit_width) : data_(data), bit_width_(bit_width) {}
  // Decodes the next `count` values into `out`.
  Status get(uint32_t* out, size_t count);

 private:
  Status next_run();

  std::string_view data_;
  size_t position_ = 0;
  int bit_width_ = 0;
  uint64_t rle_left_ = 0;  // values left in the current RLE run
  uint32_t rle_value_ = 0;
  uint64_t packed_left_ = 0;   // values left in the current bit-packed run
  size_t packed_begin_ = 0;    // its first byte
  uint64_t packed_index_ = 0;  // the next value's index in it
};

class DeltaDecoder {
 public:
  DeltaDecoder() = default;
  // Reads the header at the start of `data`; `value_bits` 32 or 64.
  Status init(std::string_view data, int value_bits);
  uint64_t total_values() const { return total_; }
  // The next `count` values into `out`.
  Status get(int64_t* out, size_t count);
  // Skips to the end of the encoded values and returns where they end (the
  // byte after the last miniblock that holds values): the DELTA byte-array
  // encodings put their data there.
  Result<size_t> end_position();

 private:
  Status next_block();
  Status next_miniblock();

  std::string_view data_;
  size_t position_ = 0;
  int value_bits_ = 64;
  uint64_t block_size_ = 0;
  uint64_t miniblocks_ = 0;
  uint64_t per_miniblock_ = 0;
  uint64_t total_ = 0;
  uint64_t returned_ = 0;  // values handed out so far
  bool first_pending_ = true;
  uint64_t last_ = 0;  // the previous value (two's complement, wrapping)
  uint64_t min_delta_ = 0;
  std::string widths_;      // of the current block's miniblocks
  uint64_t miniblock_ = 0;  // index of the current miniblock in its block
  uint64_t in_mini_left_ = 0;
  size_t mini_begin_ = 0;
  uint64_t mini_index_ = 0;
  int mini_width_ = 0;
  bool block_open_ = false;
};

// One data page's values (the non-NULL ones).
class ValueDecoder {
 public:
  // `dictionary`: the chunk's dictionary values (PLAIN bytes), for the
  // dictionary encodings; `count`: the page's non-NULL values.
  Status init(const ColumnInfo& column, int32_t encoding, std::string_view data, size_t count,
              const std::vector<std::string_view>* dictionary);
  // The next value as its PLAIN bytes (for a dictionary page: the entry
  // index in `index`, and the bytes). Valid until the next call.
  Status next(std::string_view& value);
  // For the dictionary encodings: the next index (bounds-checked).
  Status next_index(uint32_t& index);
  // For the dictionary encodings: the next `count` indexes into `out`
  // (bounds-checked), as `count` calls of next_index would give them.
  Status next_indexes(uint32_t* out, size_t count);
  bool is_dictionary() const { return dictionary_ != nullptr; }

 private:
  size_t width() const;

  const ColumnInfo* column_ = nullptr;
  int32_t encoding_ = encoding_id::kPlain;
  std::string_view data_;
  size_t position_ = 0;
  size_t count_ = 0;
  size_t index_ = 0;
  const std::vector<std::string_view>* dictionary_ = nullptr;
  RleDecoder rle_;
  DeltaDecoder lengths_;   // DELTA_LENGTH_BYTE_ARRAY lengths; DELTA_BYTE_ARRAY suffix lengths
  DeltaDecoder prefixes_;  // DELTA_BYTE_ARRAY prefix lengths
  DeltaDecoder ints_;      // DELTA_BINARY_PACKED
  std::string scratch_;    // a value built here (DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT, ints)
  std::string previous_;   // DELTA_BYTE_ARRAY: the previous value
  std::vector<uint32_t> indexes_;
  size_t indexes_next_ = 0;
};

// Decompresses `compressed` into `out` (resized to `uncompressed_bytes`).
Status decompress_page(Codec codec, std::string_view compressed, size_t uncompressed_bytes,
                       std::string& out);

}  // namespace sluice::parquet
