#pragma once
// Reading a Parquet file's metadata for the input reader: the magic bytes,
// the footer (FileMetaData, Thrift compact), the flat schema with each
// column's physical and logical type, and per row group its rows, its first
// byte and each column chunk's place, codec and statistics. Everything is
// checked against the file's size, so the column readers can trust offsets
// and lengths. Nested or repeated columns are refused, naming the column.
// Thread safety: plain data; read_file_metadata uses only its source.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/io/byte_source.h"

namespace sluice::parquet {

// parquet.thrift `Type`.
enum class Physical : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

// How a column's values become text (docs/INPUTS.md, "Parquet"): from the
// physical type and the logical (or converted) type.
enum class ValueKind : uint8_t {
  kBytes,      // BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY as they are (strings, JSON, enums)
  kSigned,     // INT32 / INT64 (and INTEGER signed, INT_8 ... INT_64)
  kUnsigned,   // INTEGER unsigned, UINT_8 ... UINT_64
  kFloat,      // FLOAT
  kDouble,     // DOUBLE
  kBool,       // BOOLEAN
  kDate,       // INT32 DATE: YYYY-MM-DD
  kTimestamp,  // INT64 TIMESTAMP (unit below), INT96: YYYY-MM-DD HH:MM:SS[.ffffff]
  kTime,       // INT32/INT64 TIME: HH:MM:SS[.ffffff]
  kDecimal,    // INT32, INT64, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY DECIMAL: exact text
  kUuid,       // FIXED_LEN_BYTE_ARRAY(16) UUID: 8-4-4-4-12 hex
  kFloat16,    // FIXED_LEN_BYTE_ARRAY(2) FLOAT16
};

enum class TimeUnit : uint8_t { kMillis, kMicros, kNanos };

struct ColumnInfo {
  std::string name;
  Physical physical = Physical::kByteArray;
  int32_t type_length = 0;  // FIXED_LEN_BYTE_ARRAY
  bool optional = false;    // max definition level 1 (else 0: REQUIRED)
  ValueKind kind = ValueKind::kBytes;
  TimeUnit unit = TimeUnit::kMicros;  // kTimestamp, kTime
  int32_t scale = 0;                  // kDecimal
};

// parquet.thrift `CompressionCodec`.
enum class Codec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,
  kZstd = 6,
  kLz4Raw = 7,
};

// Column chunk statistics: min_value / max_value in their PLAIN bytes (the
// deprecated min / max, whose order is ambiguous, are ignored).
struct ChunkStatistics {
  bool has_min = false;
  bool has_max = false;
  std::string min;
  std::string max;
  int64_t null_count = -1;  // -1: not written
};

struct ChunkInfo {
  Codec codec = Codec::kUncompressed;
  int64_t num_values = 0;
  uint64_t start = 0;       // the dictionary page if any, else the first data page
  uint64_t size_bytes = 0;  // total_compressed_size: [start, start + size_bytes)
  ChunkStatistics statistics;
};

struct RowGroupInfo {
  uint64_t rows = 0;
  uint64_t first_byte = 0;        // the smallest chunk start: the row group's place in the file
  std::vector<ChunkInfo> chunks;  // one per column, in schema order
};

struct FileInfo {
  uint64_t rows = 0;
  std::vector<ColumnInfo> columns;
  std::vector<RowGroupInfo> row_groups;
  uint64_t data_end = 0;  // where the footer begins: chunks end at or before it
};

// Parses a FileMetaData struct. `data_end`: the offset of the footer, which
// every column chunk must end before (the first 4 bytes are the magic).
Result<FileInfo> parse_file_metadata(std::string_view footer, uint64_t data_end);

// Reads the magic bytes and the footer of `source` (at most
// limits::kParquetFooterBytesMax) and parses it. Errors are kDataError
// prefixed with "parquet: ".
Result<FileInfo> read_file_metadata(ByteSource& source);

// The first byte of the first row group that starts at or after `offset`,
// else the larger of `offset` and info.data_end: where a range beginning
// (or ending) at `offset` starts (ends). A row group belongs to the range
// its first byte is in.
uint64_t row_group_boundary(const FileInfo& info, uint64_t offset);

const char* codec_name(Codec codec);

}  // namespace sluice::parquet
