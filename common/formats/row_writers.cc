#include "common/formats/row_writers.h"

#include "common/csv/writer.h"
#include "common/jsonl/writer.h"
#include "common/parquet/writer.h"

namespace sluice {

Result<std::unique_ptr<RowWriter>> open_row_writer(const std::string& path, OutputFormat format,
                                                   Compression compression,
                                                   const std::vector<std::string>& columns,
                                                   const std::vector<expr::Type>& types,
                                                   uint64_t parquet_row_group_bytes_max) {
  if (format == OutputFormat::kParquet) {
    std::vector<parquet::ColumnType> parquet_types;
    for (expr::Type type : types) parquet_types.push_back(parquet::column_type_of(type));
    parquet::WriterOptions options;
    options.compression = compression;
    options.row_group_bytes_max = parquet_row_group_bytes_max;
    return parquet::open_parquet_writer(path, columns, parquet_types, options);
  }
  if (format == OutputFormat::kCsv) return open_csv_row_writer(path, compression, columns);
  return open_jsonl_row_writer(path, compression, columns);
}

}  // namespace sluice
