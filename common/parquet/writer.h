#pragma once
// A Parquet file writer behind the RowWriter interface (format version 1,
// data pages v1), written from the specification
// (https://github.com/apache/parquet-format): one flat schema of OPTIONAL
// columns (max definition level 1), row groups of bounded size, string
// columns DICTIONARY-encoded (PLAIN past a dictionary size limit), other
// types PLAIN, definition levels in the RLE/bit-packed hybrid, pages
// compressed with none/snappy/zstd, column statistics (min, max,
// null_count). See docs/PARQUET.md.
//
// Values arrive as text (OutputBatch) and are parsed back to the column's
// type as the pipeline rendered them: integers, shortest round-trip doubles
// (inf, -inf, nan), true/false, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS[.ffffff].
// Thread safety: one thread per writer.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/limits.h"
#include "common/base/status.h"
#include "common/expr/types.h"
#include "common/io/row_writer.h"
#include "common/spec/job_spec.h"

namespace sluice::parquet {

// The logical type of a column in the file.
enum class ColumnType : uint8_t {
  kString,     // BYTE_ARRAY, STRING (UTF8)
  kInt64,      // INT64
  kFloat64,    // DOUBLE
  kBool,       // BOOLEAN
  kDate,       // INT32, DATE (days since 1970-01-01)
  kTimestamp,  // INT64, TIMESTAMP(MICROS, isAdjustedToUTC=false)
};

// int32 columns are int64 inside the pipeline and stay INT64; NULL-typed
// columns (a literal NULL) are strings.
ColumnType column_type_of(expr::Type type);

struct WriterOptions {
  Compression compression = Compression::kNone;  // kNone, kSnappy or kZstd
  uint64_t row_group_bytes_max = limits::kParquetRowGroupBytesMax;
  uint64_t row_group_rows_max = limits::kParquetRowGroupRowsMax;
  uint64_t page_bytes_max = limits::kParquetPageBytesMax;
  uint64_t dictionary_bytes_max = limits::kParquetDictionaryBytesMax;
};

// Creates `path` (and its parent directories) and writes the magic bytes.
// `types` is parallel to `columns`; empty means every column is a string.
// finish() writes the last row group and the footer; WriteStats covers the
// file's bytes.
Result<std::unique_ptr<RowWriter>> open_parquet_writer(const std::string& path,
                                                       const std::vector<std::string>& columns,
                                                       const std::vector<ColumnType>& types,
                                                       const WriterOptions& options);

// What the footer of a Parquet file says, for `sluice verify`.
struct FooterSummary {
  uint64_t rows = 0;            // FileMetaData.num_rows
  uint64_t row_groups = 0;      // row groups listed
  uint64_t row_group_rows = 0;  // sum of their num_rows
  uint64_t columns = 0;         // leaf columns in the schema
};
// Reads and checks the magic bytes and the footer (bounded by
// limits::kParquetFooterBytesMax); kDataError when it is not Parquet.
Result<FooterSummary> read_footer(const std::string& path);

}  // namespace sluice::parquet
