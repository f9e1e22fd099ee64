#pragma once
// open_row_writer: the writer of a job's output format, one RowWriter
// (common/io/row_writer.h) whatever the format: CSV (common/csv/writer.h),
// JSON lines (common/jsonl/writer.h) or Parquet (common/parquet/writer.h).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/limits.h"
#include "common/base/status.h"
#include "common/expr/types.h"
#include "common/io/row_writer.h"
#include "common/spec/output_spec.h"

namespace sluice {

// Creates `path` (and its parent directories). CSV gets its header row now.
// NULL is an empty field in CSV (a lone column's empty value is written ""
// so the row is not an empty line) and null in JSON lines, whose values are
// otherwise JSON strings.
// Parquet (common/parquet/writer.h) needs the columns' types, parallel to
// `columns` (Pipeline::output_types()); without them every column is a
// string. CSV and JSON lines ignore them, and the row group size, which
// several files open at once keep smaller (common/layout/partitioned_writer.h).
Result<std::unique_ptr<RowWriter>> open_row_writer(
    const std::string& path, OutputFormat format, Compression compression,
    const std::vector<std::string>& columns, const std::vector<expr::Type>& types = {},
    uint64_t parquet_row_group_bytes_max = limits::kParquetRowGroupBytesMax);

}  // namespace sluice
