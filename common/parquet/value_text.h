#pragma once
// A Parquet value (its PLAIN bytes) as the text sluice's readers produce:
// the canonical forms the pipeline parses and renders (docs/INPUTS.md,
// "Parquet"): integers in decimal, floats shortest round-trip (inf, -inf,
// nan), true/false, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS[.ffffff] (nine digits
// when a nanosecond timestamp has them), HH:MM:SS[.ffffff] for times,
// decimals exact (scale digits after the point), UUIDs 8-4-4-4-12 hex, and
// byte arrays as they are.
// Thread safety: a TextArena belongs to one reader.

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "common/parquet/file_reader.h"

namespace sluice::parquet {

// Bytes appended in blocks that never move: views stay valid until clear().
class TextArena {
 public:
  std::string_view copy(std::string_view text);
  // Keeps the first block for reuse.
  void clear();
  size_t bytes() const { return bytes_; }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size = 0;
    size_t used = 0;
  };
  std::vector<Block> blocks_;
  size_t bytes_ = 0;
};

// `raw`: the value's PLAIN bytes (width checked by the decoder: 4 for INT32
// and FLOAT, 8 for INT64 and DOUBLE, 12 for INT96, 1 for a decoded BOOLEAN,
// type_length for FIXED_LEN_BYTE_ARRAY). Errors only for a decimal wider
// than 128 bits.
Result<std::string_view> value_text(const ColumnInfo& column, std::string_view raw,
                                    TextArena& arena);

}  // namespace sluice::parquet
